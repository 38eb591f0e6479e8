/* SPDX-License-Identifier: Apache-2.0 */
#ifndef OJRUN_SIGNALS_H
#define OJRUN_SIGNALS_H

/* "KILL", "SIGKILL", "kill", "9", "SIGRTMIN+3" -> signal number; -1 if unknown. */
int oj_signal_parse(const char *s);
/* 9 -> "SIGKILL"; NULL for numbers without a name. */
const char *oj_signal_name(int sig);

#endif
