#include "page_store.h"

#include <dirent.h>
#include <fcntl.h>
#include <nmmintrin.h>
#include <stdio.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <random>
#include <vector>

namespace alluxio {

// ---------------------------------------------------------------------------
// CRC32C

namespace {

uint32_t Crc32cTable[8][256];

void InitCrcTable() {
  for (uint32_t i = 0; i < 256; ++i) {
    uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c >> 1) ^ (0x82f63b78 & (0u - (c & 1)));
    Crc32cTable[0][i] = c;
  }
  for (uint32_t i = 0; i < 256; ++i) {
    for (int t = 1; t < 8; ++t) {
      Crc32cTable[t][i] =
          (Crc32cTable[t - 1][i] >> 8) ^ Crc32cTable[0][Crc32cTable[t - 1][i] & 0xff];
    }
  }
}

uint32_t Crc32cSoftware(uint32_t crc, const unsigned char* p, size_t n) {
  static std::once_flag once;
  std::call_once(once, InitCrcTable);
  while (n >= 8) {
    uint64_t v;
    memcpy(&v, p, 8);
    v ^= crc;
    crc = Crc32cTable[7][v & 0xff] ^ Crc32cTable[6][(v >> 8) & 0xff] ^
          Crc32cTable[5][(v >> 16) & 0xff] ^ Crc32cTable[4][(v >> 24) & 0xff] ^
          Crc32cTable[3][(v >> 32) & 0xff] ^ Crc32cTable[2][(v >> 40) & 0xff] ^
          Crc32cTable[1][(v >> 48) & 0xff] ^ Crc32cTable[0][v >> 56];
    p += 8;
    n -= 8;
  }
  while (n-- > 0) crc = (crc >> 8) ^ Crc32cTable[0][(crc ^ *p++) & 0xff];
  return crc;
}

// Three independent streams hide the crc32 instruction's latency; the
// partial CRCs are combined by running the later streams' bytes through the
// earlier ones (cheap: only done once per call, on 8-byte words).
__attribute__((target("sse4.2"))) uint32_t Crc32cHardware(uint32_t crc, const unsigned char* p,
                                                          size_t n) {
  uint64_t c = crc;
  while (n >= 8) {
    uint64_t v;
    memcpy(&v, p, 8);
    c = _mm_crc32_u64(c, v);
    p += 8;
    n -= 8;
  }
  while (n-- > 0) c = _mm_crc32_u8(static_cast<uint32_t>(c), *p++);
  return static_cast<uint32_t>(c);
}

bool HasSse42() {
  static const bool has = __builtin_cpu_supports("sse4.2");
  return has;
}

}  // namespace

uint32_t Crc32c(const char* data, size_t n) {
  const auto* p = reinterpret_cast<const unsigned char*>(data);
  uint32_t crc = ~0u;
  crc = HasSse42() ? Crc32cHardware(crc, p, n) : Crc32cSoftware(crc, p, n);
  return ~crc;
}

// ---------------------------------------------------------------------------
// Disk tier

namespace {

constexpr uint32_t kPageMagic = 0x32475041;  // "APG2"
constexpr uint64_t kMetaMagic = 0x3154454d47504158ull;
// Pages up to this size are read into memory and checked whole; larger ones
// are mapped and checked chunk by chunk as they are read.
constexpr size_t kSmallPage = 64 * 1024;

// A page file is the data, then one CRC32C per chunk, then this footer.
struct Footer {
  uint32_t magic;
  uint32_t chunks;
  uint32_t chunk_size;
  uint32_t reserved;
  uint64_t length;
};
static_assert(sizeof(Footer) == 24);

uint32_t ChunkSizeFor(size_t n) {
  // At most 64 chunks, so one 64-bit word records which are checked.
  size_t c = std::max<size_t>(kSmallPage, (n + 63) / 64);
  return static_cast<uint32_t>((c + 4095) / 4096 * 4096);
}

uint32_t ChunkCount(size_t n, uint32_t chunk_size) {
  return static_cast<uint32_t>((n + chunk_size - 1) / chunk_size);
}

// A small page, read and checked whole.
class HeapPage : public Page {
 public:
  explicit HeapPage(std::vector<char> data) : data_(std::move(data)) {}
  size_t size() const override { return data_.size(); }
  bool CopyTo(size_t off, size_t n, char* dst) const override {
    memcpy(dst, data_.data() + off, n);
    return true;
  }

 private:
  std::vector<char> data_;
};

// A large page, mapped; each chunk is checked the first time it is read.
class MappedPage : public Page {
 public:
  MappedPage(void* base, size_t mapped, const Footer& f)
      : base_(static_cast<const char*>(base)), mapped_(mapped), footer_(f) {
    crcs_ = reinterpret_cast<const uint32_t*>(base_ + f.length);
  }
  ~MappedPage() override { munmap(const_cast<char*>(base_), mapped_); }
  size_t size() const override { return footer_.length; }
  bool CopyTo(size_t off, size_t n, char* dst) const override {
    if (n == 0) return true;
    const uint32_t cs = footer_.chunk_size;
    for (size_t c = off / cs; c <= (off + n - 1) / cs; ++c) {
      uint64_t bit = 1ull << c;
      if (checked_.load(std::memory_order_acquire) & bit) continue;
      size_t begin = c * cs;
      size_t len = std::min<size_t>(cs, footer_.length - begin);
      uint32_t want;
      memcpy(&want, crcs_ + c, sizeof(want));
      if (Crc32c(base_ + begin, len) != want) return false;
      checked_.fetch_or(bit, std::memory_order_acq_rel);
    }
    memcpy(dst, base_ + off, n);
    return true;
  }

 private:
  const char* base_;
  size_t mapped_;
  Footer footer_;
  const uint32_t* crcs_;
  mutable std::atomic<uint64_t> checked_{0};
};

Status MakeDir(const std::string& dir) {
  if (::mkdir(dir.c_str(), 0755) != 0 && errno != EEXIST) {
    return Status::FromErrno(errno, "cache directory " + dir);
  }
  return Status::OK();
}

}  // namespace

std::shared_ptr<const Page> MakeHeapPage(std::vector<char> data) {
  return std::make_shared<HeapPage>(std::move(data));
}

struct DiskPageStore::Shared {
  uint64_t magic;
  std::atomic<uint64_t> used;
  std::atomic<uint64_t> hits, misses, bytes_hit, bytes_missed, evictions, corrupt;
};

Result<std::unique_ptr<DiskPageStore>> DiskPageStore::Open(const std::string& dir,
                                                           uint64_t capacity) {
  // mkdir -p
  for (size_t i = 1; i <= dir.size(); ++i) {
    if (i == dir.size() || dir[i] == '/') RETURN_IF_ERROR(MakeDir(dir.substr(0, i)));
  }
  RETURN_IF_ERROR(MakeDir(dir + "/pages"));
  std::string meta = dir + "/meta";
  int fd = ::open(meta.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return Status::FromErrno(errno, "cache metadata " + meta);
  struct stat st;
  bool fresh = ::fstat(fd, &st) == 0 && st.st_size < static_cast<off_t>(sizeof(Shared));
  if (fresh && ::ftruncate(fd, sizeof(Shared)) != 0) {
    int err = errno;
    ::close(fd);
    return Status::FromErrno(err, "cache metadata " + meta);
  }
  void* mem = ::mmap(nullptr, sizeof(Shared), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int err = errno;
  ::close(fd);
  if (mem == MAP_FAILED) return Status::FromErrno(err, "map cache metadata " + meta);
  auto* shared = static_cast<Shared*>(mem);
  std::unique_ptr<DiskPageStore> store(new DiskPageStore(dir, capacity, shared));
  if (shared->magic != kMetaMagic) {
    // A new (or foreign) counters file: count what is on disk.
    shared->used.store(store->Rescan());
    shared->magic = kMetaMagic;
  }
  return store;
}

DiskPageStore::DiskPageStore(std::string dir, uint64_t capacity, Shared* shared)
    : dir_(std::move(dir)), capacity_(capacity), shared_(shared) {}

DiskPageStore::~DiskPageStore() { ::munmap(shared_, sizeof(Shared)); }

std::string DiskPageStore::FileDir(uint64_t file) const {
  char buf[32];
  snprintf(buf, sizeof(buf), "/pages/%016llx", static_cast<unsigned long long>(file));
  return dir_ + buf;
}

std::string DiskPageStore::PagePath(const PageKey& key) const {
  char buf[24];
  snprintf(buf, sizeof(buf), "/%08llx", static_cast<unsigned long long>(key.index));
  return FileDir(key.file) + buf;
}

std::shared_ptr<const Page> DiskPageStore::Get(const PageKey& key) {
  std::string path = PagePath(key);
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return nullptr;
  struct stat st;
  if (::fstat(fd, &st) != 0) {
    ::close(fd);
    return nullptr;
  }
  const size_t file_size = static_cast<size_t>(st.st_size);
  // Recently used pages survive eviction longest: refresh the age of a page
  // not touched for a while (not on every read: that is a syscall).
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  if (now.tv_sec - st.st_mtim.tv_sec > 10) ::futimens(fd, nullptr);
  Footer f{};
  bool ok = file_size >= sizeof(Footer) &&
            ::pread(fd, &f, sizeof(f), static_cast<off_t>(file_size - sizeof(f))) ==
                static_cast<ssize_t>(sizeof(f)) &&
            f.magic == kPageMagic && f.chunk_size == ChunkSizeFor(f.length) &&
            f.chunks == ChunkCount(f.length, f.chunk_size) &&
            f.length + 4ull * f.chunks + sizeof(Footer) == file_size;
  std::shared_ptr<const Page> page;
  if (ok && f.length <= kSmallPage) {
    std::vector<char> buf(f.length + 4ull * f.chunks);
    ok = ::pread(fd, buf.data(), buf.size(), 0) == static_cast<ssize_t>(buf.size());
    if (ok && f.chunks == 1) {
      uint32_t want;
      memcpy(&want, buf.data() + f.length, sizeof(want));
      ok = Crc32c(buf.data(), f.length) == want;
    }
    if (ok) {
      buf.resize(f.length);
      page = std::make_shared<HeapPage>(std::move(buf));
    }
  } else if (ok) {
    void* mem = ::mmap(nullptr, file_size, PROT_READ, MAP_SHARED, fd, 0);
    if (mem != MAP_FAILED) {
      page = std::make_shared<MappedPage>(mem, file_size, f);
    } else {
      ::close(fd);
      return nullptr;  // out of mappings: not a damaged page
    }
  }
  ::close(fd);
  if (!ok) {
    // A torn or damaged page (a writer died, the disk corrupted it): drop it
    // so it is fetched again.
    shared_->corrupt.fetch_add(1);
    DeletePage(key);
    return nullptr;
  }
  return page;
}

void DiskPageStore::DeletePage(const PageKey& key) {
  std::string path = PagePath(key);
  struct stat st;
  if (::stat(path.c_str(), &st) != 0 || ::unlink(path.c_str()) != 0) return;
  uint64_t used = shared_->used.load();
  uint64_t freed = static_cast<uint64_t>(st.st_size);
  while (!shared_->used.compare_exchange_weak(used, used - std::min(used, freed))) {
  }
}

Status DiskPageStore::Put(const PageKey& key, const char* data, size_t n) {
  const uint32_t chunk_size = ChunkSizeFor(n);
  const uint32_t chunks = ChunkCount(n, chunk_size);
  const uint64_t need = n + 4ull * chunks + sizeof(Footer);
  if (need > capacity_) return Status::OK();  // cannot ever fit: not cached
  // Reserve the space first, so the bound holds while pages are written by
  // many processes at once.
  while (true) {
    uint64_t used = shared_->used.load();
    if (used + need > capacity_) {
      if (!Evict(used + need - capacity_)) return Status::OK();
      continue;
    }
    if (shared_->used.compare_exchange_weak(used, used + need)) break;
  }
  auto release = [&] { shared_->used.fetch_sub(need); };
  std::string fdir = FileDir(key.file);
  if (::mkdir(fdir.c_str(), 0755) != 0 && errno != EEXIST) {
    release();
    return Status::FromErrno(errno, "cache directory " + fdir);
  }
  static thread_local std::mt19937_64 rng(std::random_device{}());
  char tmpname[40];
  snprintf(tmpname, sizeof(tmpname), "/.tmp.%016llx", static_cast<unsigned long long>(rng()));
  std::string tmp = fdir + tmpname;
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
  if (fd < 0) {
    release();
    return Status::FromErrno(errno, "cache page " + tmp);
  }
  std::vector<uint32_t> crcs(chunks);
  for (uint32_t c = 0; c < chunks; ++c) {
    size_t begin = static_cast<size_t>(c) * chunk_size;
    crcs[c] = Crc32c(data + begin, std::min<size_t>(chunk_size, n - begin));
  }
  Footer f{kPageMagic, chunks, chunk_size, 0, n};
  struct iovec iov[3] = {
      {const_cast<char*>(data), n}, {crcs.data(), crcs.size() * sizeof(uint32_t)}, {&f, sizeof(f)}};
  ssize_t w = ::writev(fd, iov, 3);
  int err = errno;
  ::close(fd);
  if (w != static_cast<ssize_t>(need)) {
    ::unlink(tmp.c_str());
    release();
    return Status::FromErrno(w < 0 ? err : ENOSPC, "write cache page " + tmp);
  }
  std::string path = PagePath(key);
  // Never replace: another process may have put the same page meanwhile.
  if (::renameat2(AT_FDCWD, tmp.c_str(), AT_FDCWD, path.c_str(), RENAME_NOREPLACE) != 0) {
    ::unlink(tmp.c_str());
    release();
  }
  return Status::OK();
}

void DiskPageStore::DeleteFile(uint64_t file) {
  std::string fdir = FileDir(file);
  DIR* d = ::opendir(fdir.c_str());
  if (d == nullptr) return;
  uint64_t freed = 0;
  while (struct dirent* e = ::readdir(d)) {
    if (e->d_name[0] == '.') continue;
    std::string p = fdir + "/" + e->d_name;
    struct stat st;
    if (::stat(p.c_str(), &st) == 0 && ::unlink(p.c_str()) == 0)
      freed += static_cast<uint64_t>(st.st_size);
  }
  ::closedir(d);
  ::rmdir(fdir.c_str());
  uint64_t used = shared_->used.load();
  while (!shared_->used.compare_exchange_weak(used, used - std::min(used, freed))) {
  }
}

void DiskPageStore::ForEachPageFile(
    const std::function<void(const std::string& path, const struct stat& st, bool temp)>& fn) {
  std::string pages = dir_ + "/pages";
  DIR* top = ::opendir(pages.c_str());
  if (top == nullptr) return;
  while (struct dirent* f = ::readdir(top)) {
    if (f->d_name[0] == '.') continue;
    std::string fdir = pages + "/" + f->d_name;
    DIR* d = ::opendir(fdir.c_str());  // lock files beside the dirs fail here
    if (d == nullptr) continue;
    while (struct dirent* e = ::readdir(d)) {
      bool temp = std::strncmp(e->d_name, ".tmp.", 5) == 0;
      if (e->d_name[0] == '.' && !temp) continue;
      std::string p = fdir + "/" + e->d_name;
      struct stat st;
      if (::stat(p.c_str(), &st) == 0) fn(p, st, temp);
    }
    ::closedir(d);
  }
  ::closedir(top);
}

uint64_t DiskPageStore::Rescan() {
  uint64_t total = 0;
  ForEachPageFile([&](const std::string& p, const struct stat& st, bool temp) {
    // Leftovers of writers that died are removed here.
    if (temp && time(nullptr) - st.st_mtim.tv_sec > 60) {
      ::unlink(p.c_str());
      return;
    }
    total += static_cast<uint64_t>(st.st_size);
  });
  return total;
}

bool DiskPageStore::Evict(uint64_t need) {
  std::lock_guard<std::mutex> lock(evict_mu_);
  struct Victim {
    int64_t mtime;
    uint64_t size;
    std::string path;
  };
  std::vector<Victim> all;
  uint64_t on_disk = 0;
  ForEachPageFile([&](const std::string& p, const struct stat& st, bool temp) {
    if (temp) return;
    on_disk += static_cast<uint64_t>(st.st_size);
    all.push_back({st.st_mtim.tv_sec * 1000000000ll + st.st_mtim.tv_nsec,
                   static_cast<uint64_t>(st.st_size), p});
  });
  // Free a tenth of the cache at a time, so eviction scans stay rare.
  uint64_t target = std::max(need, capacity_ / 10);
  std::sort(all.begin(), all.end(),
            [](const Victim& a, const Victim& b) { return a.mtime < b.mtime; });
  uint64_t freed = 0;
  for (const Victim& v : all) {
    if (freed >= target) break;
    if (::unlink(v.path.c_str()) == 0) {
      freed += v.size;
      shared_->evictions.fetch_add(1);
    }
  }
  uint64_t used = shared_->used.load();
  while (!shared_->used.compare_exchange_weak(used, used - std::min(used, freed))) {
  }
  if (freed < need) {
    // The counter drifted above what is on disk (a process died between
    // reserving and writing): trust the disk.
    uint64_t actual = on_disk - std::min(on_disk, freed);
    if (shared_->used.load() > actual) shared_->used.store(actual);
    return shared_->used.load() + need <= capacity_;
  }
  return true;
}

CacheStats DiskPageStore::Stats() const {
  CacheStats s;
  s.capacity = capacity_;
  s.used = shared_->used.load();
  s.hits = shared_->hits.load();
  s.misses = shared_->misses.load();
  s.bytes_hit = shared_->bytes_hit.load();
  s.bytes_missed = shared_->bytes_missed.load();
  s.evictions = shared_->evictions.load();
  s.corrupt = shared_->corrupt.load();
  return s;
}

void DiskPageStore::CountHit(uint64_t bytes) {
  shared_->hits.fetch_add(1, std::memory_order_relaxed);
  shared_->bytes_hit.fetch_add(bytes, std::memory_order_relaxed);
}

void DiskPageStore::CountCorrupt() { shared_->corrupt.fetch_add(1, std::memory_order_relaxed); }

void DiskPageStore::CountMiss(uint64_t bytes) {
  shared_->misses.fetch_add(1, std::memory_order_relaxed);
  shared_->bytes_missed.fetch_add(bytes, std::memory_order_relaxed);
}

// ---------------------------------------------------------------------------
// Memory tier

void MemoryPageStore::Insert(const PageKey& key, std::shared_ptr<const Page> page) {
  auto it = map_.find(key);
  if (it != map_.end()) {
    lru_.splice(lru_.begin(), lru_, it->second);
    return;
  }
  used_ += page->size();
  lru_.emplace_front(key, std::move(page));
  map_[key] = lru_.begin();
  while ((used_ > capacity_ || lru_.size() > kMaxPages) && lru_.size() > 1) {
    auto& victim = lru_.back();
    used_ -= victim.second->size();
    map_.erase(victim.first);
    lru_.pop_back();
  }
}

std::shared_ptr<const Page> MemoryPageStore::Get(const PageKey& key) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    auto it = map_.find(key);
    if (it != map_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return it->second->second;
    }
  }
  std::shared_ptr<const Page> page = below_->Get(key);
  if (page == nullptr) return nullptr;
  std::lock_guard<std::mutex> lock(mu_);
  Insert(key, page);
  return page;
}

Status MemoryPageStore::Put(const PageKey& key, const char* data, size_t n) {
  return below_->Put(key, data, n);
}

void MemoryPageStore::Erase(const PageKey& key) {
  auto it = map_.find(key);
  if (it == map_.end()) return;
  used_ -= it->second->second->size();
  lru_.erase(it->second);
  map_.erase(it);
}

void MemoryPageStore::DeletePage(const PageKey& key) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    Erase(key);
  }
  below_->DeletePage(key);
}

void MemoryPageStore::DeleteFile(uint64_t file) {
  {
    std::lock_guard<std::mutex> lock(mu_);
    for (auto it = lru_.begin(); it != lru_.end();) {
      if (it->first.file == file) {
        used_ -= it->second->size();
        map_.erase(it->first);
        it = lru_.erase(it);
      } else {
        ++it;
      }
    }
  }
  below_->DeleteFile(file);
}

}  // namespace alluxio
