#include "real.h"

#include <dlfcn.h>

namespace alluxio::preload::real {

void* Lookup(const char* name) { return dlsym(RTLD_NEXT, name); }

#define ALLUXIO_SYM(sym) Lazy<decltype(&::sym)> sym{#sym, nullptr};
#define ALLUXIO_EXPORT(sym)
#define ALLUXIO_TWIN(twin, plain) ALLUXIO_SYM(twin)
#include "symbols.inc"
#undef ALLUXIO_TWIN
#undef ALLUXIO_EXPORT
#undef ALLUXIO_SYM

void ResolveAll() {
#define ALLUXIO_SYM(sym) (void)sym.Get();
#define ALLUXIO_EXPORT(sym)
#define ALLUXIO_TWIN(twin, plain) ALLUXIO_SYM(twin)
#include "symbols.inc"
#undef ALLUXIO_TWIN
#undef ALLUXIO_EXPORT
#undef ALLUXIO_SYM
}

}  // namespace alluxio::preload::real
