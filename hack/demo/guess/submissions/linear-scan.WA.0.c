#include <stdio.h>

int main(void)
{
    long n;
    char reply[8];
    if (scanf("%ld", &n) != 1)
        return 1;
    for (long y = 1; y <= n; y++) {
        printf("? %ld\n", y);
        fflush(stdout);
        if (scanf("%7s", reply) != 1)
            return 1;
        if (reply[0] == '=') {
            printf("! %ld\n", y);
            fflush(stdout);
            return 0;
        }
    }
    return 0;
}
