#include <math.h>
#include <stdio.h>

int main(void)
{
    int t;
    double r;
    if (scanf("%d", &t) != 1)
        return 1;
    while (t-- > 0 && scanf("%lf", &r) == 1)
        printf("%.10f\n", M_PI * r * r);
    return 0;
}
