// alluxio-worker: the cache worker daemon.
//
//   alluxio-worker [--host H] [--port N] [--data-port N] [--http-port N]
//                  [--conf key=value]...
//   alluxio-worker health HOST:PORT
//
// Serves Alluxio's BlockWorker service (proto/alluxio/grpc/block_worker.proto)
// and its own health counters (proto/alluxio/proto/worker.proto) from its own
// alluxio::FileSystem, so it reads its UFS and caches pages in its own page
// cache. Listens on 127.0.0.1 by default (alluxio.worker.bind.host) and
// alluxio.worker.rpc.port; --port 0 picks a free port. It also serves
// Alluxio's data port (alluxio.worker.data.port) and the REST API of
// Alluxio's Python client (rest_server.h) on alluxio.worker.http.server.port
// (default 28080), on the same host; 0 picks a free port, and so does
// --port 0 for the HTTP port when that is not set. Once listening it prints
// "alluxio-worker listening on HOST:PORT" (gRPC), then "alluxio-worker data
// port on HOST:PORT" and "alluxio-worker http listening on HOST:PORT" on
// stdout. With alluxio.worker.s3.api.enabled it serves the object reads of
// Alluxio's S3 API (s3_api.h) on alluxio.worker.rest.port (29998) too, and
// prints "alluxio-worker s3 listening on HOST:PORT" last. SIGTERM and
// SIGINT shut it down cleanly (exit 0). Under
// alluxio.worker.membership.manager.type=ETCD it registers in etcd once
// listening (with the bound ports), as Alluxio's worker does
// (etcd_registration.h), and revokes its registration when shutting down; a
// failed registration ends it (exit 1) before it prints the listening
// lines. `health` asks a running worker for its counters and prints them as
// key=value lines (exit 1 when it does not answer).
#include <grpcpp/grpcpp.h>
#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <string>

#include "alluxio/config.h"
#include "alluxio/file_system.h"
#include "data_server.h"
#include "etcd_registration.h"
#include "open_writes.h"
#include "rest_server.h"
#include "s3_api.h"
#include "static_membership.h"
#include "wire.h"
#include "worker_client.h"
#include "worker_service.h"

namespace {

void Usage() {
  std::fprintf(stderr,
               "usage: alluxio-worker [--host HOST] [--port PORT] [--data-port PORT]\n"
               "                      [--http-port PORT] [--conf key=value]...\n"
               "       alluxio-worker health HOST:PORT\n"
               "  --host   address to bind (alluxio.worker.bind.host, default 127.0.0.1)\n"
               "  --port   gRPC port (alluxio.worker.rpc.port, default 29999; 0 = any)\n"
               "  --data-port  data port (alluxio.worker.data.port, default 29997; 0 = any)\n"
               "  --http-port  REST API port (alluxio.worker.http.server.port, default 28080;\n"
               "           0 = any, as it is with --port 0 unless set)\n"
               "  --conf   a configuration property, overriding site file and environment\n");
}

int Health(const std::string& address) {
  alluxio::Status valid = alluxio::worker::ValidateAddress(address);
  if (!valid.ok()) {
    std::fprintf(stderr, "alluxio-worker: %s\n", valid.ToString().c_str());
    return 2;
  }
  alluxio::worker::WorkerPoolOptions opts;
  opts.log = false;
  opts.addresses = {address};
  opts.virtual_nodes = 1;
  opts.rpc_timeout_ms = 10000;
  auto pool = alluxio::worker::WorkerPool::Create(opts);
  if (!pool.ok()) {
    std::fprintf(stderr, "alluxio-worker: %s\n", pool.status().ToString().c_str());
    return 2;
  }
  auto h = (*pool)->Health(0);
  if (!h.ok()) {
    std::fprintf(stderr, "alluxio-worker: %s\n", h.status().ToString().c_str());
    return 1;
  }
  std::printf(
      "address=%s\nversion=%s\npid=%lld\nread_ranges=%llu\nbytes_read=%llu\n"
      "cache_hits=%llu\ncache_misses=%llu\n",
      address.c_str(), h->version.c_str(), static_cast<long long>(h->pid),
      static_cast<unsigned long long>(h->read_ranges),
      static_cast<unsigned long long>(h->bytes_read),
      static_cast<unsigned long long>(h->cache_hits),
      static_cast<unsigned long long>(h->cache_misses));
  return 0;
}

// ETCD membership (alluxio::worker::MembershipType): registers this worker
// (its persisted identity, serving RPCs on `rpc_port`, data on `data_port`
// and the REST API on `http_port`) in etcd; otherwise nothing (null).
alluxio::Result<std::unique_ptr<alluxio::worker::EtcdRegistration>> RegisterInEtcd(
    const alluxio::Configuration& conf, int rpc_port, int data_port, int http_port) {
  auto type = alluxio::worker::MembershipType(conf);
  if (!type.ok()) return type.status();
  if (*type != "ETCD") return std::unique_ptr<alluxio::worker::EtcdRegistration>();
  std::string warning;
  auto identity = alluxio::worker::WorkerIdentityFromConfig(conf, &warning);
  if (!identity.ok()) return identity.status();
  if (!warning.empty()) std::fprintf(stderr, "alluxio-worker: warning: %s\n", warning.c_str());
  auto self = alluxio::worker::LocalWorkerInfo(conf, *identity, rpc_port, data_port);
  // The bound port, which the configured one is not when it is 0.
  self.address.http_server_port = http_port;
  auto r = alluxio::worker::EtcdRegistration::FromConfig(conf, self);
  if (r.ok()) {
    std::fprintf(stderr, "alluxio-worker: registered in etcd as %s\n", (*r)->live_key().c_str());
  }
  return r;
}

int Run(int argc, char** argv) {
  if (argc >= 2 && std::strcmp(argv[1], "health") == 0) {
    if (argc != 3) {
      Usage();
      return 2;
    }
    return Health(argv[2]);
  }
  std::map<std::string, std::string> overrides;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    auto value = [&](const char* name) -> const char* {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "alluxio-worker: %s needs a value\n", name);
        return nullptr;
      }
      return argv[++i];
    };
    if (arg == "--data-port") {
      const char* v = value("--data-port");
      if (v == nullptr) return 2;
      overrides["alluxio.worker.data.port"] = v;
    } else if (arg == "--port") {
      const char* v = value("--port");
      if (v == nullptr) return 2;
      overrides["alluxio.worker.rpc.port"] = v;
    } else if (arg == "--http-port") {
      const char* v = value("--http-port");
      if (v == nullptr) return 2;
      overrides["alluxio.worker.http.server.port"] = v;
    } else if (arg == "--host") {
      const char* v = value("--host");
      if (v == nullptr) return 2;
      overrides["alluxio.worker.bind.host"] = v;
    } else if (arg == "--conf") {
      const char* v = value("--conf");
      if (v == nullptr) return 2;
      const char* eq = std::strchr(v, '=');
      if (eq == nullptr || eq == v) {
        std::fprintf(stderr, "alluxio-worker: --conf expects key=value, got '%s'\n", v);
        return 2;
      }
      overrides[std::string(v, eq)] = eq + 1;
    } else if (arg == "-h" || arg == "--help") {
      Usage();
      return 0;
    } else {
      std::fprintf(stderr, "alluxio-worker: unknown argument '%s'\n", arg.c_str());
      Usage();
      return 2;
    }
  }
  auto conf = alluxio::Configuration::Load(overrides);
  if (!conf.ok()) {
    std::fprintf(stderr, "alluxio-worker: %s\n", conf.status().ToString().c_str());
    return 2;
  }
  // A worker reads its UFS itself. A site file shared with clients names the
  // cluster; following it in the worker's own FileSystem would send the
  // worker's reads to itself, so that one sees no cluster keys.
  for (const char* k : {"alluxio.user.worker.addresses", "alluxio.worker.membership.manager.type",
                        "alluxio.etcd.endpoints"}) {
    overrides[k] = "";
  }
  auto fs_conf = alluxio::Configuration::Load(overrides);
  if (!fs_conf.ok()) {
    std::fprintf(stderr, "alluxio-worker: %s\n", fs_conf.status().ToString().c_str());
    return 2;
  }
  for (const auto& w : conf->warnings())
    std::fprintf(stderr, "alluxio-worker: warning: %s\n", w.c_str());
  int64_t port = conf->GetInt("alluxio.worker.rpc.port");
  if (port > 65535) {
    std::fprintf(stderr, "alluxio-worker: bad value for property alluxio.worker.rpc.port: %lld\n",
                 static_cast<long long>(port));
    return 2;
  }
  int64_t http_port = conf->GetInt("alluxio.worker.http.server.port");
  if (port == 0 && conf->SourceOf("alluxio.worker.http.server.port") == "default") http_port = 0;
  if (http_port < 0 || http_port > 65535) {
    std::fprintf(stderr,
                 "alluxio-worker: bad value for property alluxio.worker.http.server.port: %lld\n",
                 static_cast<long long>(http_port));
    return 2;
  }
  int64_t s3_port = conf->GetInt("alluxio.worker.rest.port");
  if (s3_port < 0 || s3_port > 65535) {
    std::fprintf(stderr, "alluxio-worker: bad value for property alluxio.worker.rest.port: %lld\n",
                 static_cast<long long>(s3_port));
    return 2;
  }
  std::string host = conf->Get("alluxio.worker.bind.host");
  if (host.empty()) host = "127.0.0.1";
  if (host.find(':') != std::string::npos && host.front() != '[') host = "[" + host + "]";

  auto fs = alluxio::FileSystem::Create(*fs_conf);
  if (!fs.ok()) {
    std::fprintf(stderr, "alluxio-worker: %s\n", fs.status().ToString().c_str());
    return 1;
  }

  // A reader of stdout may stop after the first line (the gRPC port): the
  // later ones must not kill the worker. Sockets are written with MSG_NOSIGNAL.
  signal(SIGPIPE, SIG_IGN);

  // The signals are taken by sigwait below; every thread (gRPC's included,
  // created after this) inherits the mask.
  sigset_t sigs;
  sigemptyset(&sigs);
  sigaddset(&sigs, SIGTERM);
  sigaddset(&sigs, SIGINT);
  pthread_sigmask(SIG_BLOCK, &sigs, nullptr);

  int64_t data_port = conf->GetInt("alluxio.worker.data.port");
  if (data_port < 0 || data_port > 65535) {
    std::fprintf(stderr, "alluxio-worker: bad value for property alluxio.worker.data.port: %lld\n",
                 static_cast<long long>(data_port));
    return 2;
  }
  alluxio::worker::OpenWrites writes(*fs, conf->GetDurationMs("alluxio.worker.write.idle.timeout"));
  alluxio::worker::BlockWorkerService service(
      *fs, &writes, static_cast<int>(conf->GetInt("alluxio.worker.rpc.threads")));
  alluxio::worker::WorkerHealthService health(&service);
  alluxio::worker::SaslAuthService sasl;
  alluxio::worker::DataServer data(
      &service, &writes, static_cast<int>(conf->GetInt("alluxio.worker.data.connections.max")));
  int bound_port = 0;
  std::string address = host + ":" + std::to_string(port);
  grpc::ServerBuilder builder;
  builder.AddListeningPort(address, grpc::InsecureServerCredentials(), &bound_port);
  builder.RegisterService(&service);
  builder.RegisterService(&health);
  builder.RegisterService(&sasl);
  builder.SetMaxReceiveMessageSize(alluxio::worker::kMaxMessageBytes);
  builder.SetMaxSendMessageSize(alluxio::worker::kMaxMessageBytes);
  std::unique_ptr<grpc::Server> server = builder.BuildAndStart();
  if (!server || bound_port == 0) {
    std::fprintf(stderr, "alluxio-worker: cannot listen on %s\n", address.c_str());
    return 1;
  }
  alluxio::Status data_started = data.Start(host, static_cast<int>(data_port));
  if (!data_started.ok()) {
    std::fprintf(stderr, "alluxio-worker: %s\n", data_started.ToString().c_str());
    server->Shutdown();
    return 1;
  }
  alluxio::worker::RestServerOptions rest;
  rest.http.host = host;
  rest.http.port = static_cast<int>(http_port);
  rest.http.threads = static_cast<int>(conf->GetInt("alluxio.worker.rpc.threads"));
  rest.page_size = conf->GetBytes("alluxio.worker.page.store.page.size");
  // What /v1/node names: this worker, by the host it registers (its
  // identity plays no part in the address).
  rest.self.host =
      alluxio::worker::LocalWorkerInfo(*conf, alluxio::worker::WorkerIdentity{}, bound_port, 0)
          .address.host;
  rest.self.rpc_port = bound_port;
  auto rest_server = alluxio::worker::RestServer::Start(*fs, rest);
  if (!rest_server.ok()) {
    std::fprintf(stderr, "alluxio-worker: %s\n", rest_server.status().ToString().c_str());
    data.Stop();
    server->Shutdown();
    return 1;
  }
  std::unique_ptr<alluxio::worker::S3ObjectServer> s3;
  if (conf->GetBool("alluxio.worker.s3.api.enabled")) {
    alluxio::worker::HttpServerOptions s3_opts = rest.http;
    s3_opts.port = static_cast<int>(s3_port);
    auto started = alluxio::worker::S3ObjectServer::Start(*fs, s3_opts);
    if (!started.ok()) {
      std::fprintf(stderr, "alluxio-worker: S3 API: %s\n", started.status().ToString().c_str());
      (*rest_server)->Stop();
      data.Stop();
      server->Shutdown();
      return 1;
    }
    s3 = std::move(*started);
  }
  // Under ETCD membership the worker joins the cluster once it serves, and
  // leaves it (revokes its lease) before it stops serving.
  auto registration = RegisterInEtcd(*conf, bound_port, data.port(), (*rest_server)->port());
  if (!registration.ok()) {
    std::fprintf(stderr, "alluxio-worker: %s\n", registration.status().ToString().c_str());
    if (s3) s3->Stop();
    (*rest_server)->Stop();
    data.Stop();
    server->Shutdown();
    return 1;
  }
  std::printf("alluxio-worker listening on %s:%d\n", host.c_str(), bound_port);
  std::printf("alluxio-worker data port on %s:%d\n", host.c_str(), data.port());
  std::printf("alluxio-worker http listening on %s:%d\n", host.c_str(), (*rest_server)->port());
  if (s3) std::printf("alluxio-worker s3 listening on %s:%d\n", host.c_str(), s3->port());
  std::fflush(stdout);

  int sig = 0;
  sigwait(&sigs, &sig);
  std::fprintf(stderr, "alluxio-worker: %s, shutting down\n", strsignal(sig));
  if (*registration) {
    alluxio::Status left = (*registration)->Stop();
    if (!left.ok()) std::fprintf(stderr, "alluxio-worker: %s\n", left.ToString().c_str());
  }
  if (s3) s3->Stop();
  (*rest_server)->Stop();
  // In-flight calls get a few seconds to finish, then are cancelled.
  data.Stop();
  server->Shutdown(std::chrono::system_clock::now() + std::chrono::seconds(5));
  server->Wait();
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return Run(argc, argv);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "alluxio-worker: %s\n", e.what());
  } catch (...) {
    std::fprintf(stderr, "alluxio-worker: unexpected error\n");
  }
  return 1;
}
