// EtcdMembership: the live workers of an Alluxio 3.x cluster, as etcd
// holds them (alluxio.worker.membership.manager.type=ETCD).
//
// Alluxio's workers (and ours, etcd_registration.h) keep one key each under
// /ServiceDiscovery/<alluxio.cluster.name>/, attached to a lease that they
// keep alive; its value is the WorkerServiceEntity JSON (worker_entity.h).
// A worker that stops or dies loses its lease, and etcd deletes its key.
// This reads that prefix once at start, then watches it: Live() follows
// every put and delete, and Epoch() moves whenever it changes. A value that
// does not parse is left out (and reported by Health()).
//
// When etcd cannot be reached later on, Live() keeps answering the last
// members known and Health() says what is wrong; the watch reconnects by
// itself (every endpoint in turn) and catches up from the last revision it
// saw. Thread-safe.
#ifndef ALLUXIO_WORKER_ETCD_MEMBERSHIP_H_
#define ALLUXIO_WORKER_ETCD_MEMBERSHIP_H_

#include <atomic>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "alluxio/config.h"
#include "etcd_client.h"
#include "membership.h"

namespace alluxio::worker {

class EtcdMembership : public Membership {
 public:
  // From alluxio.etcd.endpoints (required) and alluxio.cluster.name. Fails,
  // naming the key or every endpoint and what each said, when no endpoint is
  // configured or none answers the first read.
  static Result<std::shared_ptr<Membership>> FromConfig(const Configuration& conf);
  // The same over an existing client, for `cluster`.
  static Result<std::shared_ptr<EtcdMembership>> Start(const std::shared_ptr<EtcdClient>& client,
                                                       const std::string& cluster);
  ~EtcdMembership() override;

  std::vector<WorkerInfo> Live() const override;
  uint64_t Epoch() const override { return epoch_.load(); }

  // OK while the watch is established and every value parsed; otherwise
  // what is wrong (etcd unreachable: which endpoint and what it said).
  Status Health() const;

 private:
  EtcdMembership(std::shared_ptr<EtcdClient> client, std::string prefix)
      : client_(std::move(client)), prefix_(std::move(prefix)) {}
  void Apply(const EtcdWatchUpdate& update);
  // Sets `key` to `value`'s worker (or drops it when the value is bad);
  // true when Live() changed. Needs mu_.
  bool PutLocked(const std::string& key, const std::string& value);

  const std::shared_ptr<EtcdClient> client_;
  const std::string prefix_;
  std::atomic<uint64_t> epoch_{1};

  mutable std::mutex mu_;                      // guards members_ and bad_value_
  std::map<std::string, WorkerInfo> members_;  // by etcd key
  Status bad_value_;

  std::unique_ptr<EtcdWatch> watch_;  // last: stopped before the rest goes
};

}  // namespace alluxio::worker

#endif  // ALLUXIO_WORKER_ETCD_MEMBERSHIP_H_
