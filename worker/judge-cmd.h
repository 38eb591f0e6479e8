/* SPDX-License-Identifier: Apache-2.0 */
/* `ojrun-judge-tool judge` (judge-cmd.c). */
#ifndef OJRUN_JUDGE_CMD_H
#define OJRUN_JUDGE_CMD_H

int cmd_judge(int argc, char **argv);

#endif
