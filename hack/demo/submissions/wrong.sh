# expect: WA
read a b
echo $((a - b))
