#!/bin/sh
# Builds libhello.so beside this script with nothing but a C compiler.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
${CC:-cc} -std=c11 -Wall -Wextra -Werror -pedantic -shared -fPIC -I "$here/../../include" -o "$here/libhello.so" "$here/hello.c"
echo "built $here/libhello.so"
