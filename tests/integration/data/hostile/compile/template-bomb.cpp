// A compile-time attack: each level of the template doubles the type, and
// the recursion never ends, so g++ must print an error message naming a type
// of 2^900 leaves (the -ftemplate-depth limit).  The compile limits
// (memory 512 MiB, 10 s, the output size) stop it: CE.
#include <utility>

template <class T> struct Bomb {
    using Next = Bomb<std::pair<T, T>>;
    static constexpr int value = Next::value + 1;
};

int main()
{
    return Bomb<int>::value;
}
