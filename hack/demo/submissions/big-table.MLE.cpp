// A+B with a "cache" of 2^28 sums (2 GiB, zeroed): the memory limit (256 MiB)
// kills it before it reads the input.
#include <bits/stdc++.h>
using namespace std;

int main()
{
    vector<long long> cache(1u << 28);
    int t;
    cin >> t;
    while (t--) {
        long long a, b;
        cin >> a >> b;
        cache[t & 1023] = a + b;
        cout << cache[t & 1023] << '\n';
    }
}
