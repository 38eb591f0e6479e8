# expect: RE
read a b
kill -SEGV $$
