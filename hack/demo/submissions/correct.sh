# expect: AC
read a b
echo $((a + b))
