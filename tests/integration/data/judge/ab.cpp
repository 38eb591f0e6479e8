// A+B through the usual contest header, containers and iostreams.
#include <bits/stdc++.h>
using namespace std;

int main()
{
    ios::sync_with_stdio(false);
    cin.tie(nullptr);
    long long a, b;
    if (!(cin >> a >> b))
        return 1;
    vector<long long> v(1000);
    for (size_t i = 0; i < v.size(); i++)
        v[i] = (i * 7919LL) % 1003;
    sort(v.begin(), v.end());
    map<long long, int> m;
    for (long long x : v)
        m[x % 17]++;
    cout << a + b << "\n";
}
