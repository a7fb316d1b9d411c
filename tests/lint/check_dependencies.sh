#!/usr/bin/env bash
# Architecture rules, checked on every test run:
#  - dependencies point one way: cli, services -> rd -> core;
#  - each third-party library is included from exactly one folder.
set -u
root=${1:-.}
cd "$root" || exit 2
fail=0
bad() { echo "dependency rule broken: $*"; fail=1; }

check_absent() {  # pattern, allowed-path-regex, description
	local pattern=$1 allowed=$2 what=$3
	while IFS= read -r hit; do
		file=${hit%%:*}
		[[ $file =~ $allowed ]] || bad "$what included in $hit"
	done < <(grep -rnE "$pattern" core rd services cli --include='*.cpp' --include='*.hpp' --include='*.h' 2>/dev/null)
}

check_absent '#include\s*[<"]libpq-fe\.h' '^core/src/pg/' 'libpq'
check_absent '#include\s*[<"]boost/(beast|asio)' '^core/src/net/' 'Boost.Asio/Beast'
check_absent '#include\s*[<"]pugixml' '^rd/src/parse/' 'pugixml'
check_absent '#include\s*[<"]spdlog' '^core/src/log/' 'spdlog'
check_absent '#include\s*[<"](fitsio|longnam)\.h' '^core/src/fits/' 'CFITSIO'
check_absent '#include\s*[<"]wcslib' '^core/src/wcs/' 'WCSLIB'
check_absent '#include\s*[<"]sodium' '^core/src/auth/' 'libsodium'
check_absent '#include\s*[<"]nlohmann' '^$' 'nlohmann-json (no dependency yet: give it a folder here first)'
check_absent '#include\s*[<"]re2/' '^rd/src/ingest/grammars/' 'RE2'
check_absent '#include\s*[<"](png|pngconf)\.h' '^core/src/image/' 'libpng'
check_absent '#include\s*[<"]expat' '^core/src/votable/' 'expat'
check_absent '#include\s*[<"]openssl/' '^core/src/net/' 'OpenSSL'
check_absent '#include\s*[<"](Python|frameobject|pybind11/[^">]*)\.h' '^rd/src/python/' 'CPython'
check_absent '#include\s*[<"](healpix_base|healpix_cxx/|moc\.h|rangeset\.h|pointing\.h)' '^core/src/moc/' 'HEALPix C++'

while IFS= read -r hit; do bad "core must not depend on rd/services: $hit"; done \
	< <(grep -rnE '#include\s*"meles/(rd|services)/' core 2>/dev/null)
while IFS= read -r hit; do bad "rd must not depend on services: $hit"; done \
	< <(grep -rnE '#include\s*"meles/services/' rd 2>/dev/null)

# A ';' in a doctest case name splits it into two ctest entries that match nothing and
# pass vacuously (CMake lists); forbid it.
while IFS= read -r hit; do bad "';' in a TEST_CASE name breaks its ctest entry: $hit"; done \
	< <(grep -rnE 'TEST_CASE\("[^"]*;' tests 2>/dev/null)

[ $fail = 0 ] && echo "dependency rules hold"
exit $fail
