#!/usr/bin/env bash
# `meles val` end to end: exit codes and what it prints.  Usage: val_cli_test.sh MELES FIXTURES
set -u
meles=$1
fixtures=$2
fail=0
# Hermetic: the cases below name their inputs; one case at the end sets up a configured site.
export MELES_CONFIG=/nonexistent/meles.conf
unset MELES_INPUTS
check() {  # description, condition
	if eval "$2"; then :; else echo "FAILED: $1"; fail=1; fi
}

out=$("$meles" val --inputs "$fixtures" anchor/q tutorial/q //scs //products //tap //procs //tap_user 2>&1); rc=$?
check "clean RDs exit 0" "[ $rc -eq 0 ]"
check "clean RDs say OK" "grep -q '^tutorial/q: OK' <<<\"\$out\""

out=$("$meles" val --inputs "$fixtures" errors/unknown_attribute 2>&1); rc=$?
check "bad RD exits 1" "[ $rc -eq 1 ]"
check "file:line and suggestion" "grep -q \"unknown_attribute.rd:4: unknown attribute 'unti' on column (did you mean 'unit'?)\" <<<\"\$out\""
check "summary line" "grep -q '^errors/unknown_attribute: 2 errors' <<<\"\$out\""

out=$(MELES_INPUTS="$fixtures" "$meles" val -q anchor/q errors/make_without_table 2>&1); rc=$?
check "one bad RD among good ones exits 1" "[ $rc -eq 1 ]"
check "quiet omits OK lines" "! grep -q 'anchor/q: OK' <<<\"\$out\""
check "MELES_INPUTS is used" "grep -q \"make table='mian' names no table\" <<<\"\$out\""

out=$("$meles" val --inputs "$fixtures" "$fixtures/errors/not_well_formed.rd" 2>&1); rc=$?
check "XML errors carry line:column" "grep -q 'not_well_formed.rd:4:5: XML not well-formed' <<<\"\$out\""

out=$("$meles" val --inputs "$fixtures" no/such/rd 2>&1); rc=$?
check "missing RD exits 1" "[ $rc -eq 1 ]"
check "missing RD is named" "grep -q \"no RD 'no/such/rd'\" <<<\"\$out\""

out=$("$meles" val --inputs "$fixtures" -w elements/service 2>&1); rc=$?
check "warnings do not fail" "[ $rc -eq 0 ]"
check "-w hides warnings" "! grep -q 'warning:' <<<\"\$out\""

out=$("$meles" val --inputs "$fixtures" val/examples 2>&1); rc=$?
check "bad TAP examples fail" "[ $rc -eq 1 ]"
check "ADQL error in an example names RD line and query position" "grep -q \"examples.rd:10: _example 'Bad': the query is not valid ADQL: .*line 1, column 1\" <<<\"\$out\""
check "example without title and query" "grep -q 'examples.rd:15: .*no title.*no query' <<<\"\$out\""
check "a good example is not reported" "! grep -q \"'Good'\" <<<\"\$out\""

# What a first-day operator gets wrong (issue 12): each with file:line.
out=$("$meles" val --inputs "$fixtures" val/operator_mistakes 2>&1); rc=$?
check "operator mistakes fail" "[ $rc -eq 1 ]"
check "text column under q3c" "grep -q \"operator_mistakes.rd:6: column 'ra' is text, but index 'q3c_main'.*q3c_ang2ipix\" <<<\"\$out\""
check "unknown renderer" "grep -q \"operator_mistakes.rd:17: service 'cone' allows renderer 'scs.xlm', which does not exist (did you mean 'scs.xml'?)\" <<<\"\$out\""
check "meta key typo" "grep -q \"operator_mistakes.rd:3: warning: unknown meta key 'creationDat' (did you mean 'creationDate'?)\" <<<\"\$out\""
check "malformed UCD" "grep -q \"operator_mistakes.rd:8: warning: UCD 'phot.flux;;em.opt' of column 'flux' (table opval.main) is not valid UCD1+: it has an empty word\" <<<\"\$out\""
check "metadata DaCHS requires (the typo leaves creationDate missing)" "grep -q \"operator_mistakes.rd:4: table 'main' lacks metadata DaCHS requires: creationDate is missing, description is missing, subject is missing\" <<<\"\$out\""
check "column no rowmaker fills" "grep -q \"operator_mistakes.rd:8: warning: column 'flux' of table 'main' is filled by no map of data 'import'\" <<<\"\$out\""
check "system RDs stay free of warnings" "! \"$meles\" val --inputs \"$fixtures\" //scs //products //tap //procs //tap_user //epntap2 2>&1 | grep -q warning"
out=$("$meles" val --inputs "$fixtures" val/var_idmap 2>&1); rc=$?
check "a var fills the column an idmap copies (cbdc/wdsdss10)" "[ $rc -eq 0 ] && ! grep -q 'filled by no map' <<<\"\$out\""

# On a configured site, RD ids are below its inputs directory (as for `meles imp`).
site=$(mktemp -d)
printf '[general]\ninputsDir = %s\n' "$fixtures" > "$site/meles.conf"
out=$(MELES_CONFIG="$site/meles.conf" "$meles" val tutorial/q 2>&1); rc=$?
check "RD ids resolve in the configured inputsDir" "[ $rc -eq 0 ] && grep -q '^tutorial/q: OK' <<<\"\$out\""
out=$(MELES_CONFIG="$site/meles.conf" "$meles" val --inputs /nonexistent tutorial/q 2>&1); rc=$?
check "--inputs overrides the configuration" "[ $rc -eq 1 ]"
rm -rf "$site"

"$meles" val --help | grep -q 'usage: meles val' || { echo "FAILED: --help"; fail=1; }
"$meles" val >/dev/null 2>&1 && { echo "FAILED: no argument must fail"; fail=1; }
[ $fail = 0 ] && echo "meles val behaves"
exit $fail
