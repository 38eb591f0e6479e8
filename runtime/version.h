/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OJRUN_VERSION_H
#define OJRUN_VERSION_H

#define OJRUN_VERSION "0.1.0"
/* The OCI runtime-spec version ojrun implements (reported by --version,
 * `state` and `features`). */
#define OJRUN_OCI_SPEC_VERSION "1.2.0"

#ifndef OJRUN_COMMIT
#define OJRUN_COMMIT "unknown"
#endif

#endif
