/* SPDX-License-Identifier: Apache-2.0 */
/*
 * __attribute__((cleanup)) helpers: resources released when the variable
 * goes out of scope, so that error paths cannot leak them.
 *
 *   _cleanup_close_ int fd = open(...);
 *   _cleanup_free_ char *buf = malloc(...);
 *
 * To hand a resource to the caller, "steal" it: `int r = fd; fd = -1;`
 * (or use oj_steal_fd / oj_steal_ptr).
 */
#ifndef OJRUN_CLEANUP_H
#define OJRUN_CLEANUP_H

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static inline void oj_freep(void *p)
{
    free(*(void **)p);
}

static inline void oj_closep(int *fd)
{
    if (*fd >= 0) {
        int saved = errno; /* close() must not clobber the errno being reported */
        close(*fd);
        errno = saved;
    }
}

static inline void oj_fclosep(FILE **f)
{
    if (*f)
        fclose(*f);
}

static inline void oj_closedirp(DIR **d)
{
    if (*d)
        closedir(*d);
}

/* free() a NULL-terminated array of strings and the array itself */
static inline void oj_strv_free(char **v)
{
    if (!v)
        return;
    for (char **p = v; *p; p++)
        free(*p);
    free(v);
}

static inline void oj_strv_freep(char ***v)
{
    oj_strv_free(*v);
}

#define _cleanup_free_    __attribute__((cleanup(oj_freep)))
#define _cleanup_close_   __attribute__((cleanup(oj_closep)))
#define _cleanup_fclose_  __attribute__((cleanup(oj_fclosep)))
#define _cleanup_closedir_ __attribute__((cleanup(oj_closedirp)))
#define _cleanup_strv_    __attribute__((cleanup(oj_strv_freep)))

static inline int oj_steal_fd(int *fd)
{
    int r = *fd;
    *fd = -1;
    return r;
}

static inline void *oj_steal_ptr(void *pp)
{
    void **p = pp;
    void *r = *p;
    *p = NULL;
    return r;
}

#define OJ_ARRAY_SIZE(a) (sizeof(a) / sizeof((a)[0]))

#endif
