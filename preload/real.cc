#include "real.h"

#include <dlfcn.h>

namespace alluxio::preload::real {

void* Lookup(const char* name) { return dlsym(RTLD_NEXT, name); }

#define ALLUXIO_SYM(sym) Lazy<decltype(&::sym)> sym{#sym, nullptr};
#define ALLUXIO_EXPORT(sym)
#include "symbols.inc"
#undef ALLUXIO_EXPORT
#undef ALLUXIO_SYM

void ResolveAll() {
#define ALLUXIO_SYM(sym) (void)sym.Get();
#define ALLUXIO_EXPORT(sym)
#include "symbols.inc"
#undef ALLUXIO_EXPORT
#undef ALLUXIO_SYM
}

}  // namespace alluxio::preload::real
