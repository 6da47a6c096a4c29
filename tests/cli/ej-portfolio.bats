#!/usr/bin/env bats
# ej-portfolio against a real store: documents added, imported, listed,
# shown, exported and removed; a file kept once in the history however
# often it is added; types judged by content; size limits; who may; the
# consent; the newly arrived without a document; and the history bringing
# every file back byte for byte.

bats_require_minimum_version 1.5.0
load helpers

PUPIL="Александрова Василиса"     # 1А, class teacher kovalenko.an

setup_file() {
	export TPL=$BATS_FILE_TMPDIR/tpl
	unset EJ_STORE EJ_AS
	export LC_ALL=C.UTF-8
	local ex=$BATS_TEST_DIRNAME/../../examples/roster
	ej-init --store "$TPL" "$ex/../school.yaml" 2>/dev/null
	EJ_STORE=$TPL ej-roster import pupils "$ex/pupils.csv" 2>/dev/null
	EJ_STORE=$TPL ej-roster import parents "$ex/parents.csv" 2>/dev/null ||
	    true
	printf 'surname,name,patronymic,relation,pupil\nАлександрова,Людмила,Александровна,бабушка,Александрова Василиса Богдановна\n' \
	    > "$BATS_FILE_TMPDIR/parents.csv"
	EJ_STORE=$TPL ej-roster import parents "$BATS_FILE_TMPDIR/parents.csv" \
	    2>/dev/null
	EJ_STORE=$TPL ej-consent record --pupil "Александрова Василиса" \
	    --kind personal-data --date 03.09 "Александрова Людмила" 2>/dev/null
}

setup() {
	setup_trash
	cp -a "$TPL" "$S"
	export EJ_STORE=$S
	D=$TRASH/docs
	mkdir -p "$D"
	# A small PDF, a PNG (zlib and struct), made here: no real documents.
	printf '%%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%%%EOF\n' \
	    > "$D/diploma.pdf"
	python3 - "$D/photo.png" <<'PY'
import struct, sys, zlib
def chunk(t, b):
    return struct.pack(">I", len(b)) + t + b + struct.pack(">I", zlib.crc32(t + b))
raw = b"".join(b"\0" + bytes((x * 8, y * 8, 128)) * 1 * 32 for y in range(32) for x in range(1))
raw = b"".join(b"\0" + b"".join(bytes((x * 8, y * 8, 128)) for x in range(32)) for y in range(32))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", 32, 32, 8, 2, 0, 0, 0)) + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
PY
}
teardown() { teardown_trash; }

add() {
	ej-portfolio add "$@"
}

blobs() {
	git -C "$S/history.git" cat-file --batch-all-objects --batch-check |
	    grep -c " blob " || true
}

@test "add: one commit, the record and the file in the person's directory, ej-log names it" {
	run add "$PUPIL" --kind диплом --title "Олимпиада по математике" \
	    --date 01.10.2020 --issuer "МО" --level региональный "$D/diploma.pdf"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == "ej-portfolio: portfolio: +1 document (диплом: $PUPIL) (commit "* ]]
	run git -C "$S/history.git" ls-tree -r --name-only -z main
	dir="portfolio/pupils/1 $PUPIL"
	[[ "$output" == *"$dir/portfolio.csv"* ]]
	[[ "$output" == *"$dir/files/1-diploma.pdf"* ]]
	git -C "$S/history.git" show "main:$dir/files/1-diploma.pdf" |
	    cmp - "$D/diploma.pdf"
	run git -C "$S/history.git" show "main:$dir/portfolio.csv"
	[ "${lines[0]}" = "id,person,kind,title,date,issuer,level,file,type,size,blob,entered_by,entered_at" ]
	[[ "${lines[1]}" == "1,$PUPIL,диплом,Олимпиада по математике,2020-10-01,МО,региональный,diploma.pdf,application/pdf,"* ]]
	run ej-log
	[[ "$output" == *"+ диплом Олимпиада по математике $PUPIL: added 2020-10-01"* ]]
	run ej-audit --rules integrity
	[ "$status" -eq 0 ]
}

@test "the same file twice: two records, one blob" {
	add "$PUPIL" --kind диплом --title A --date 01.10.2020 "$D/diploma.pdf"
	n=$(blobs)
	cp "$D/diploma.pdf" "$D/copy.pdf"
	add "$PUPIL" --kind грамота --title B --date 02.10.2020 "$D/copy.pdf"
	run ej-portfolio list --format csv "$PUPIL"
	[ "${#lines[@]}" -eq 3 ]
	# Only the new portfolio.csv and trees: no new blob for the file.
	[ "$(blobs)" -eq $((n + 1)) ]
	a=$(git -C "$S/history.git" rev-parse "main:portfolio/pupils/1 $PUPIL/files/1-diploma.pdf")
	b=$(git -C "$S/history.git" rev-parse "main:portfolio/pupils/1 $PUPIL/files/2-copy.pdf")
	[ "$a" = "$b" ]
}

@test "types by content: a PDF named .jpg is a PDF; an ELF named .pdf, an empty file, a truncated PDF or PNG are refused" {
	cp "$D/diploma.pdf" "$D/scan.jpg"
	run add "$PUPIL" --kind грамота --title X --date 01.10.2020 "$D/scan.jpg"
	[ "$status" -eq 0 ]
	run ej-portfolio list --format csv "$PUPIL"
	[[ "$output" == *"scan.jpg,application/pdf,"* ]]
	printf '\177ELF\2\1\1\0\0\0\0\0\0\0\0\0\2\0\076\0\1\0\0\0' > "$D/evil.pdf"
	refused_write 65 ej-portfolio add "$PUPIL" --kind грамота --title X \
	    --date 01.10.2020 "$D/evil.pdf"
	[[ "$output" == *"$D/evil.pdf: not an accepted type: application/x-"*"(named .pdf)"* ]]
	: > "$D/empty.pdf"
	refused_write 65 ej-portfolio add "$PUPIL" --kind грамота --title X \
	    --date 01.10.2020 "$D/empty.pdf"
	[[ "$output" == *"$D/empty.pdf: empty"* ]]
	head -c 30 "$D/diploma.pdf" > "$D/cut.pdf"
	refused_write 65 ej-portfolio add "$PUPIL" --kind грамота --title X \
	    --date 01.10.2020 "$D/cut.pdf"
	[[ "$output" == *"$D/cut.pdf: truncated: a PDF without its %%EOF"* ]]
	head -c 100 "$D/photo.png" > "$D/cut.png"
	refused_write 65 ej-portfolio add "$PUPIL" --kind грамота --title X \
	    --date 01.10.2020 "$D/cut.png"
	[[ "$output" == *"$D/cut.png: truncated: a PNG without its IEND"* ]]
}

@test "bad kind, level, date, control characters: every error, nothing written" {
	refused_write 65 ej-portfolio add "$PUPIL" --kind "курсы повышения квалификации" \
	    --title X --date 31.02.2020 --level галактический "$D/diploma.pdf"
	[[ "$output" == *"kind: \"курсы повышения квалификации\" is not one of"* ]]
	[[ "$output" == *"level: \"галактический\" is not one of"* ]]
	[[ "$output" == *"date: \"31.02.2020\" is not a date"* ]]
	refused_write 65 ej-portfolio add "$PUPIL" --kind диплом \
	    --title $'X\033[2J' --date 01.10.2020 "$D/diploma.pdf"
	refused_write 65 ej-portfolio add "Никто Никак" --kind диплом \
	    --title X --date 01.10.2020 "$D/diploma.pdf"
}

@test "size limits per file and per person, from the settings" {
	# As school.yaml's portfolio: max_file_kb: 1, max_person_kb: 2 set them.
	sqlite3 "$S/ej.db" "INSERT OR REPLACE INTO settings VALUES('portfolio.max_file_kb', '1'), ('portfolio.max_person_kb', '2')"
	{ cat "$D/diploma.pdf"; head -c 1100 /dev/zero; printf '%%%%EOF\n'; } > "$D/big.pdf"
	refused_write 65 ej-portfolio add "$PUPIL" --kind диплом --title X \
	    --date 01.10.2020 "$D/big.pdf"
	[[ "$output" == *"$D/big.pdf: too large: "*" bytes, the limit is 1024"* ]]
	{ cat "$D/diploma.pdf"; head -c 900 /dev/zero; printf '%%%%EOF\n'; } > "$D/p1.pdf"
	{ cat "$D/diploma.pdf"; head -c 901 /dev/zero; printf '%%%%EOF\n'; } > "$D/p2.pdf"
	{ cat "$D/diploma.pdf"; head -c 902 /dev/zero; printf '%%%%EOF\n'; } > "$D/p3.pdf"
	add "$PUPIL" --kind диплом --title 1 --date 01.10.2020 "$D/p1.pdf"
	add "$PUPIL" --kind диплом --title 2 --date 01.10.2020 "$D/p2.pdf"
	refused_write 65 ej-portfolio add "$PUPIL" --kind диплом --title 3 \
	    --date 01.10.2020 "$D/p3.pdf"
	[[ "$output" == *"$PUPIL: the portfolio would hold "*" bytes, the limit is 2048"* ]]
}

@test "import: a manifest beside its files; a bad row refuses all of it at FILE:LINE" {
	cp "$D/diploma.pdf" "$D/photo.png" "$TRASH/"
	m=$TRASH/manifest.csv
	printf 'ФИО;Вид;Название;Дата;Кем выдан;Уровень;Файл\n%s;диплом;Олимпиада;01.10.2020;МО;региональный;diploma.pdf\nfrolov.ad;награда;Грамота министерства;15.05.2019;;федеральный;photo.png\n' \
	    "$PUPIL" > "$m"
	cp "$m" "$TRASH/bad.csv"
	printf '%s;проект;X;01.10.2020;;;../etc.pdf\n%s;диплом;Y;01.10.2020;;;nothere.pdf\n' \
	    "$PUPIL" "$PUPIL" >> "$TRASH/bad.csv"
	refused_status 65 ej-portfolio import "$TRASH/bad.csv"
	[[ "$output" == *"$TRASH/bad.csv:4: file: \"../etc.pdf\" must be a name beside the manifest"* ]]
	[[ "$output" == *"$TRASH/bad.csv:5: $TRASH/nothere.pdf: "* ]]
	run ej-portfolio import "$m"
	echo "$output"
	[ "$status" -eq 0 ]
	[[ "$output" == *"portfolio: +2 documents (commit "* ]]
	run ej-portfolio show frolov.ad --format csv
	[[ "$output" == *"награда,"*"Грамота министерства,2019-05-15,,федеральный,photo.png,image/png,"* ]]
}

@test "show: text, json, and a printable HTML page with the image inline" {
	add "$PUPIL" --kind диплом --title "Олимпиада" --date 01.10.2020 \
	    --issuer "МО РК" "$D/diploma.pdf"
	add "$PUPIL" --kind грамота --title "Конкурс рисунков" --date 2019-05-01 \
	    "$D/photo.png"
	run ej-portfolio show "$PUPIL"
	[[ "$output" == *"== диплом =="* ]]
	run ej-portfolio show --format json "$PUPIL"
	echo "$output" | python3 -c 'import json,sys; d=json.load(sys.stdin); assert len(d)==2, d'
	run ej-portfolio show --format html "$PUPIL"
	[[ "$output" == *"<h2>грамота</h2>"* ]]
	[[ "$output" == *"<h3>2019</h3>"* ]]
	[[ "$output" == *"<img alt=\"\" src=\"data:image/png;base64,$(base64 -w0 "$D/photo.png")\">"* ]]
	[[ "$output" == *"<b>Олимпиада</b>"*"МО РК"* ]]
}

@test "rm: the record and its file leave the tree with the reason; ej-rebuild brings every file back byte for byte" {
	add "$PUPIL" --kind диплом --title A --date 01.10.2020 "$D/diploma.pdf"
	add "$PUPIL" --kind грамота --title B --date 02.10.2020 "$D/photo.png"
	add frolov.ad --kind образование --title C --date 2001-06-30 "$D/photo.png"
	run ej-portfolio rm --reason "ошибка" 1
	[ "$status" -eq 0 ]
	run git -C "$S/history.git" log -1 --format=%B main
	[[ "$output" == *"Reason: ошибка"* ]] || [[ "$output" == *"ошибка"* ]]
	run git -C "$S/history.git" ls-tree -r --name-only main portfolio
	[[ "$output" != *"1-diploma.pdf"* ]]
	refused_write 65 ej-portfolio rm --reason x 99
	ej-portfolio export "$PUPIL" "$TRASH/a"
	ej-portfolio export frolov.ad "$TRASH/a"
	before=$(cd "$TRASH/a" && sha256sum * | sort)
	[ "$(ls "$TRASH/a" | wc -l)" -eq 2 ]
	rm "$S/ej.db"
	ej-rebuild 2>/dev/null
	ej-portfolio export "$PUPIL" "$TRASH/b"
	ej-portfolio export frolov.ad "$TRASH/b"
	[ "$(cd "$TRASH/b" && sha256sum * | sort)" = "$before" ]
	run ej-audit --rules integrity
	[ "$status" -eq 0 ]
	# An exported file is never overwritten.
	run ej-portfolio export "$PUPIL" "$TRASH/b"
	[ "$status" -eq 73 ]
}

@test "integrity: a document's blob id changed behind ej's back is named" {
	add "$PUPIL" --kind диплом --title A --date 01.10.2020 "$D/diploma.pdf"
	id=$(git -C "$S/history.git" hash-object -w "$D/photo.png")
	sqlite3 "$S/ej.db" "UPDATE portfolio SET blob = '$id' WHERE id = 1"
	run ej-audit --rules integrity
	echo "$output"
	[ "$status" -eq 1 ]
	[[ "$output" == *"portfolio/pupils/1 $PUPIL/"* ]]
}

@test "who may: a class teacher their class, a teacher their own, a deputy anyone; reads the same" {
	EJ_AS=kovalenko.an run add "$PUPIL" --kind диплом --title A \
	    --date 01.10.2020 "$D/diploma.pdf"
	[ "$status" -eq 0 ]
	EJ_AS=frolov.ad refused_write 77 ej-portfolio add "$PUPIL" \
	    --kind диплом --title A --date 01.10.2020 "$D/diploma.pdf"
	[[ "$output" == *"frolov.ad may not add to or remove from the portfolio of $PUPIL"* ]]
	EJ_AS=frolov.ad run add frolov.ad --kind награда --title B \
	    --date 01.10.2020 "$D/photo.png"
	[ "$status" -eq 0 ]
	EJ_AS=pushkar.es refused_write 77 ej-portfolio add frolov.ad \
	    --kind награда --title B --date 01.10.2020 "$D/photo.png"
	EJ_AS=pushkar.es refused_read 77 ej-portfolio show "$PUPIL"
	EJ_AS=pushkar.es refused_read 77 ej-portfolio show frolov.ad
	EJ_AS=frolov.ad run -0 ej-portfolio show frolov.ad
	run env EJ_AS=pushkar.es ej-portfolio list --format csv
	[ "${#lines[@]}" -eq 1 ]
	run env EJ_AS=kovalenko.an ej-portfolio list --format csv
	[ "${#lines[@]}" -eq 2 ]
	run env EJ_AS=nechaeva.oo ej-portfolio list --format csv
	[ "${#lines[@]}" -eq 3 ]
}

@test "consent: a pupil's documents only with the consent to processing personal data" {
	refused_write 77 ej-portfolio add "Герасимов Александр" --kind диплом \
	    --title A --date 01.10.2020 "$D/diploma.pdf"
	[[ "$output" == *"Герасимов Александр: no consent to processing personal data on record"* ]]
}

@test "missing --new-since: a pupil who moved in and a teacher hired after the date, until they have a document" {
	printf 'pupil,date,to,reason\nГерасимов Александр,05.10.2020,1Б,перевод\n' > "$TRASH/moves.csv"
	ej-roster import moves "$TRASH/moves.csv"
	printf 'login,surname,name,position,hired\nnovikova.aa,Новикова,Анна,учитель химии,2020-11-02\n' > "$TRASH/staff.csv"
	ej-roster import staff "$TRASH/staff.csv"
	run ej-portfolio missing --new-since 01.10.2020 --format csv
	echo "$output"
	[ "${lines[0]}" = "person,class,arrived,who" ]
	[[ "$output" == *"Герасимов Александр,1Б,2020-10-05,pupil"* ]]
	[[ "$output" == *"Новикова Анна,учитель химии,2020-11-02,staff"* ]]
	[[ "$output" != *"$PUPIL"* ]]
	run ej-portfolio missing --new-since 01.12.2020 --format csv
	[ "${#lines[@]}" -eq 1 ]
	add novikova.aa --kind образование --title Диплом --date 2015-06-30 "$D/diploma.pdf"
	run ej-portfolio missing --new-since 01.10.2020 --format csv
	[[ "$output" != *"Новикова"* ]]
	run ej-portfolio list --staff --new-since 01.10.2020 --format csv
	[[ "$output" == *"Новикова Анна"* ]]
}

# The example school with its portfolio section replaced by the lines given.
school_with() {
	awk '/^portfolio:/ { skip = 1; next }
	    skip && /^[^ #]/ { skip = 0 }
	    !skip' "$BATS_TEST_DIRNAME/../../examples/school.yaml" > "$TRASH/school.yaml"
	printf '%s\n' "$@" >> "$TRASH/school.yaml"
}

@test "school.yaml's portfolio section: its kinds, levels and size limit are the ones checked" {
	local ex=$BATS_TEST_DIRNAME/../../examples/roster
	rm -rf "$S"
	school_with "portfolio:" \
	    "  pupil_kinds: [диплом, Похвальный лист]" \
	    "  levels: [школьный, районный]" \
	    "  types: [application/pdf]" \
	    "  max_file_kb: 2"
	ej-init --store "$S" "$TRASH/school.yaml" 2>/dev/null
	ej-roster import pupils "$ex/pupils.csv" 2>/dev/null
	ej-roster import parents "$BATS_FILE_TMPDIR/parents.csv" 2>/dev/null
	ej-consent record --pupil "$PUPIL" --kind personal-data --date 03.09 \
	    "Александрова Людмила" 2>/dev/null
	run sqlite3 "$S/ej.db" "SELECT key || '=' || value FROM settings WHERE key LIKE 'portfolio.%' ORDER BY key"
	[ "$output" = "portfolio.kinds.pupil=диплом,Похвальный лист
portfolio.levels=школьный,районный
portfolio.max_file_kb=2
portfolio.types=pdf" ]
	# A default kind, a default level: no longer accepted.
	refused_write 65 ej-portfolio add "$PUPIL" --kind грамота --title X \
	    --date 01.10.2020 "$D/diploma.pdf"
	[[ "$output" == *"kind: \"грамота\" is not one of диплом,Похвальный лист"* ]]
	refused_write 65 ej-portfolio add "$PUPIL" --kind диплом --title X \
	    --date 01.10.2020 --level региональный "$D/diploma.pdf"
	[[ "$output" == *"level: \"региональный\" is not one of школьный,районный"* ]]
	# A PNG, accepted by default, is not in this school's types.
	refused_write 65 ej-portfolio add "$PUPIL" --kind диплом --title X \
	    --date 01.10.2020 "$D/photo.png"
	[[ "$output" == *"not an accepted type: image/png (named .png); accepted: pdf"* ]]
	# Above the school's 2 KiB, below the default 10 MiB.
	{ cat "$D/diploma.pdf"; head -c 2100 /dev/zero; printf '%%%%EOF\n'; } > "$D/big.pdf"
	refused_write 65 ej-portfolio add "$PUPIL" --kind диплом --title X \
	    --date 01.10.2020 "$D/big.pdf"
	[[ "$output" == *"$D/big.pdf: too large: "*" bytes, the limit is 2048"* ]]
	# The school's own kind and level, in any case: kept as declared.
	add "$PUPIL" --kind "похвальный  ЛИСТ" --title "За отличную учёбу" \
	    --date 01.10.2020 --level районный "$D/diploma.pdf"
	run sqlite3 "$S/ej.db" "SELECT kind || '|' || level FROM portfolio"
	[ "$output" = "Похвальный лист|районный" ]
}

@test "school.yaml's portfolio section: each bad entry at its line and column, nothing created" {
	rm -rf "$S"
	school_with "portfolio:" \
	    "  pupil_kinds: [диплом, Диплом, 'a,b']" \
	    "  staff_kinds: []" \
	    "  levels: школьный" \
	    "  types: [pdf, application/x-elf, image]" \
	    "  max_file_kb: 500000" \
	    "  max_person_kb: -1" \
	    "  kinds: [x]"
	local n
	n=$(grep -n '^portfolio:' "$TRASH/school.yaml" | cut -d: -f1)
	run ej-init --store "$S" "$TRASH/school.yaml"
	echo "$output"
	[ "$status" -eq 65 ]
	[ ! -e "$S" ]
	local f=$TRASH/school.yaml
	[ "${lines[0]}" = "ej-init: $f:$((n + 1)):25: portfolio.pupil_kinds: \"Диплом\" is repeated (first at line $((n + 1)))" ]
	[ "${lines[1]}" = "ej-init: $f:$((n + 1)):33: portfolio.pupil_kinds: \"a,b\": a comma is not allowed in an entry" ]
	[ "${lines[2]}" = "ej-init: $f:$((n + 2)):16: portfolio.staff_kinds: at least one entry is needed" ]
	[ "${lines[3]}" = "ej-init: $f:$((n + 3)):11: portfolio.levels: expected a sequence, found a string" ]
	[[ "${lines[4]}" == "ej-init: $f:$((n + 4)):16: portfolio.types: \"application/x-elf\" is not a media type ej-portfolio accepts; one of: pdf (application/pdf), "* ]]
	[[ "${lines[5]}" == "ej-init: $f:$((n + 4)):35: portfolio.types: \"image\" is not a media type"* ]]
	[ "${lines[6]}" = "ej-init: $f:$((n + 5)):16: portfolio.max_file_kb: 500000 is out of range 1..102400" ]
	[ "${lines[7]}" = "ej-init: $f:$((n + 6)):18: portfolio.max_person_kb: -1 is out of range 1..1048576" ]
	[ "${lines[8]}" = "ej-init: $f:$((n + 7)):3: portfolio: unknown key \"kinds\"" ]
	[ "${lines[9]}" = "ej-init: nothing was created" ]
	# A control character, and a file's limit above a person's; over an
	# existing store, which stays as it was.
	init_demo
	school_with "portfolio:" "  levels: [\"школьный\\u202E\"]" \
	    "  max_file_kb: 2048" "  max_person_kb: 1024"
	refused_status 65 ej-init --store "$S" "$TRASH/school.yaml"
	[ "${lines[0]}" = "ej-init: $f:$((n + 1)):12: control character U+202E (a bidirectional control) is not allowed" ]
	[ "${lines[1]}" = "ej-init: $f:$((n + 3)):18: portfolio.max_person_kb: a file's limit, 2048 KiB, is above a person's, 1024 KiB" ]
}
