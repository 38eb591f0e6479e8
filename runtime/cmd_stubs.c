/* temporary: commands not implemented yet */
#include "cli.h"
#include "log.h"
#define STUB(n) int cmd_##n(const struct oj_globals *g, int argc, char **argv) { oj_error(#n ": not implemented yet"); return 1; }
STUB(create) STUB(start) STUB(state) STUB(kill) STUB(delete) STUB(run) STUB(list)
