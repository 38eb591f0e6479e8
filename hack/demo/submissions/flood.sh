# expect: OLE
# writes without end: RLIMIT_FSIZE on the redirected stdout stops it
yes 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa'
