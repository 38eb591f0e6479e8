# expect: TLE
while :; do :; done
