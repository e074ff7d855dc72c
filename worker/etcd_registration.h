// EtcdRegistration: what alluxio-worker does under ETCD membership, as
// Alluxio 3.x's worker does it (EtcdMembershipManager.join and
// ServiceDiscoveryRecipe), so that Alluxio's clients, Alluxio's own
// EtcdMembershipManager and alluxiofs see our worker as one of theirs.
//
// At start:
//  1. /DHT/<alluxio.cluster.name>/AUTHORIZED/worker-<uuid> is set to the
//     worker's WorkerServiceEntity JSON (worker_entity.h), without a lease,
//     when absent. When present with another value for the same identity
//     and the same address (HttpServerPort aside), it is overwritten; with
//     another address, start fails with AlreadyExists: two workers must not
//     share one identity (Alluxio refuses the same way).
//  2. A lease of alluxio.worker.failure.detection.timeout (Alluxio's TTL;
//     default 2min) is granted and /ServiceDiscovery/<cluster>/worker-<uuid>
//     is set to the same JSON, attached to it.
// Then a thread renews the lease three times per TTL. When etcd says the
// lease is gone (it expired while etcd or the worker was unreachable), the
// worker registers again with a new lease, so it comes back by itself.
// Stop() (and the destructor) revoke the lease: the live key goes at once,
// the AUTHORIZED key stays (as Alluxio's does).
//
// The identity survives restarts (WorkerIdentityFromConfig), so a restarted
// worker puts back the same keys and takes its place on the ring back.
#ifndef ALLUXIO_WORKER_ETCD_REGISTRATION_H_
#define ALLUXIO_WORKER_ETCD_REGISTRATION_H_

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "alluxio/config.h"
#include "etcd_client.h"
#include "membership.h"

namespace alluxio::worker {

// The file that keeps the worker's identity: alluxio.worker.identity.uuid
// .file.path (Alluxio's default, ${alluxio.conf.dir}/worker_identity); when
// set empty, worker_identity in alluxio.work.dir.
std::string WorkerIdentityFile(const Configuration& conf);

// The worker's identity, as Alluxio's WorkerIdentityProvider finds it:
// alluxio.worker.identity.uuid when set; else the first line of the
// identity file that is not a '#' comment; else a new random UUID, written
// to that file ("# Worker identity automatically generated at <date>" and
// the UUID) and made read-only. A file that exists but cannot be read, or
// holds something else than a UUID, is an error naming the file (a worker
// must not quietly take a new identity); a file that cannot be written is
// a warning in `warning` (the identity is then lost at restart).
Result<WorkerIdentity> WorkerIdentityFromConfig(const Configuration& conf,
                                                std::string* warning = nullptr);

// This worker's address as Alluxio's worker states it: Host is
// alluxio.worker.hostname, else the bind host (alluxio.worker.bind.host)
// unless it is a wildcard, else the machine's hostname; ContainerHost is
// alluxio.worker.container.hostname; RpcPort is `rpc_port`; DataPort and
// NettyDataPort are `data_port`, the framed data port, when
// alluxio.user.netty.data.transmission.enabled (true, as Alluxio 3.x
// registers them), else DataPort is `rpc_port` and NettyDataPort 0 (so too
// when `data_port` is 0); WebPort and HttpServerPort are
// alluxio.worker.web.port and alluxio.worker.http.server.port.
WorkerInfo LocalWorkerInfo(const Configuration& conf, const WorkerIdentity& identity, int rpc_port,
                           int data_port);

class EtcdRegistration {
 public:
  // Registers `self` through `client` in `cluster` with a lease of
  // `ttl_seconds` (see the file comment). Errors name the key and what etcd
  // (or each endpoint) said.
  static Result<std::unique_ptr<EtcdRegistration>> Start(std::shared_ptr<EtcdClient> client,
                                                         const std::string& cluster,
                                                         const WorkerInfo& self,
                                                         int64_t ttl_seconds);
  // The same from alluxio.etcd.endpoints, alluxio.cluster.name and
  // alluxio.worker.failure.detection.timeout.
  static Result<std::unique_ptr<EtcdRegistration>> FromConfig(const Configuration& conf,
                                                              const WorkerInfo& self);
  ~EtcdRegistration();

  // Stops renewing and revokes the lease (the live key is deleted). The
  // first call does the work and answers how the revoke went; later calls
  // answer OK.
  Status Stop();

  const std::string& live_key() const { return live_key_; }
  const std::string& value() const { return value_; }
  int64_t lease() const { return lease_.load(); }
  // How many times the live key was put (1 after Start; more after a lost
  // lease was replaced).
  uint64_t registrations() const { return registrations_.load(); }

 private:
  EtcdRegistration() = default;
  Status Register();  // grant a lease, put the live key on it
  void Keep();

  std::shared_ptr<EtcdClient> client_;
  std::string live_key_;
  std::string value_;
  int64_t ttl_seconds_ = 0;
  std::atomic<int64_t> lease_{0};
  std::atomic<uint64_t> registrations_{0};

  std::mutex mu_;  // guards stop_
  std::condition_variable cv_;
  bool stop_ = false;
  std::thread keeper_;
};

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_ETCD_REGISTRATION_H_
