/* Burns CPU for ever: TLE at the CPU limit. */
int main(void)
{
    for (volatile unsigned long i = 0;; i++)
        ;
}
