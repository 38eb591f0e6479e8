/* A+B: correct.  long long holds |a + b| <= 2e18. */
#include <stdio.h>

int main(void)
{
    int t;
    if (scanf("%d", &t) != 1)
        return 1;
    while (t-- > 0) {
        long long a, b;
        if (scanf("%lld %lld", &a, &b) != 2)
            return 1;
        printf("%lld\n", a + b);
    }
    return 0;
}
