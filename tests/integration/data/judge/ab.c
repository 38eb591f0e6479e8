/* A+B, with enough of libc and libm (qsort, sqrt, printf) to be typical. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static int cmp(const void *a, const void *b)
{
    long x = *(const long *)a, y = *(const long *)b;
    return (x > y) - (x < y);
}

int main(void)
{
    long long a, b;
    if (scanf("%lld %lld", &a, &b) != 2)
        return 1;
    long v[1000];
    for (int i = 0; i < 1000; i++)
        v[i] = (i * 7919L) % 1003;
    qsort(v, 1000, sizeof(v[0]), cmp);
    if (sqrt((double)v[999] * v[999]) != (double)v[999])
        return 2;
    printf("%lld\n", a + b);
    return 0;
}
