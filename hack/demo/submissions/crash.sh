# expect: RE
read a b
# a child that dies of SIGSEGV, like a C program dereferencing NULL
sh -c 'kill -SEGV $$'
