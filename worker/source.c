/* SPDX-License-Identifier: Apache-2.0 */
/* What the sources share (source.h). */
#include "source.h"

#include <stdlib.h>
#include <string.h>

void oj_msg_clear(struct oj_msg *m)
{
    free(m->body);
    free(m->reply_to);
    free(m->correlation_id);
    /* priv is the source's: settling a message releases it */
    memset(m, 0, sizeof(*m));
}
