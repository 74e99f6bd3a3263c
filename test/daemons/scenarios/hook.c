/* A preloaded library, as an LD_PRELOAD persistence would ship: it only marks that it ran. */
#include <stdlib.h>
__attribute__((constructor)) static void hooked(void) { setenv("HOOKED", "1", 1); }
