#include "worker_loader.h"

#include <dlfcn.h>
#include <unistd.h>

#include <mutex>
#include <string>
#include <vector>

namespace alluxio {

namespace {

constexpr char kAddressesKey[] = "alluxio.user.worker.addresses";
constexpr char kMembershipTypeKey[] = "alluxio.worker.membership.manager.type";
constexpr char kEtcdEndpointsKey[] = "alluxio.etcd.endpoints";
constexpr char kLibraryKey[] = "alluxio.user.worker.client.library";
constexpr char kLibraryName[] = "liballuxio_worker_client.so";

std::mutex g_mu;  // guards g_handle and g_loaded_from
void* g_handle = nullptr;
std::string g_loaded_from;

// Where to look when the key is not set.
std::vector<std::string> Candidates() {
  std::vector<std::string> out;
  Dl_info info;
  if (dladdr(reinterpret_cast<void*>(&MaybeWrapWithWorkers), &info) != 0 &&
      info.dli_fname != nullptr) {
    std::string self = info.dli_fname;
    size_t slash = self.rfind('/');
    if (slash != std::string::npos) out.push_back(self.substr(0, slash + 1) + kLibraryName);
  }
#ifdef ALLUXIO_WORKER_CLIENT_DEFAULT
  out.push_back(ALLUXIO_WORKER_CLIENT_DEFAULT);
#endif
  out.push_back(kLibraryName);  // the dynamic loader's search path
  return out;
}

// The address of `symbol` in the worker client library, loaded on first use.
Result<void*> Symbol(const Configuration& conf, const char* symbol) {
  std::lock_guard<std::mutex> lock(g_mu);
  std::string configured = conf.Get(kLibraryKey);
  if (g_handle == nullptr || (!configured.empty() && configured != g_loaded_from)) {
    std::vector<std::string> tries =
        configured.empty() ? Candidates() : std::vector<std::string>{configured};
    std::string errors;
    void* loaded = nullptr;
    for (const auto& path : tries) {
      // A candidate path that does not exist is skipped quietly; the bare
      // name is left to the loader.
      if (path.find('/') != std::string::npos && ::access(path.c_str(), F_OK) != 0 &&
          configured.empty()) {
        errors += "\n  " + path + ": not found";
        continue;
      }
      loaded = ::dlopen(path.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_NODELETE);
      if (loaded == nullptr) {
        const char* e = ::dlerror();
        errors += "\n  " + path + ": " + (e ? e : "dlopen failed");
        continue;
      }
      g_handle = loaded;
      g_loaded_from = path;
      break;
    }
    // Another library loaded before is not a stand-in for the one asked for.
    if (loaded == nullptr) {
      return Status::InvalidArgument(
          std::string("workers are configured (") + kAddressesKey + ", " + kMembershipTypeKey +
          " or " + kEtcdEndpointsKey + ") but the worker client library cannot be loaded; set " +
          kLibraryKey + " to the path of " + kLibraryName + ". Tried:" + errors);
    }
  }
  void* sym = ::dlsym(g_handle, symbol);
  if (sym == nullptr) {
    return Status::InvalidArgument(g_loaded_from + " has no symbol " + symbol +
                                   ": it is from another build (set " + kLibraryKey + ")");
  }
  return sym;
}

}  // namespace

Result<std::shared_ptr<Ufs>> MaybeWrapWithWorkers(std::shared_ptr<Ufs> ufs,
                                                  const Configuration& conf) {
  // Cluster mode is asked for by naming workers, a membership, or etcd; the
  // default workers file alone does not turn it on.
  if (conf.GetList(kAddressesKey).empty() && conf.Get(kMembershipTypeKey).empty() &&
      conf.GetList(kEtcdEndpointsKey).empty()) {
    return ufs;
  }
  ASSIGN_OR_RETURN(void* sym, Symbol(conf, kWrapUfsSymbol));
  auto fn = reinterpret_cast<WrapUfsFn>(sym);
  std::shared_ptr<Ufs> out;
  Status error;
  if (fn(kWorkerClientAbi, &ufs, &conf, &out, &error) != 0 || out == nullptr) {
    if (error.ok()) error = Status::IoError("the worker client library failed");
    return error;
  }
  return out;
}

Result<std::vector<ClusterMember>> ListClusterMembers(const Configuration& conf, bool probe,
                                                      int64_t probe_timeout_ms) {
  ASSIGN_OR_RETURN(void* sym, Symbol(conf, kClusterMembersSymbol));
  auto fn = reinterpret_cast<ClusterMembersFn>(sym);
  std::vector<ClusterMember> out;
  Status error;
  if (fn(kWorkerClientAbi, &conf, probe, probe_timeout_ms, &out, &error) != 0) {
    if (error.ok()) error = Status::IoError("the worker client library failed");
    return error;
  }
  return out;
}

}  // namespace alluxio
