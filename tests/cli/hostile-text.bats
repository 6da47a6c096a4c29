#!/usr/bin/env bats
# Hostile text: control characters, forged mail headers, formulas and deep
# YAML, from spreadsheets, school.yaml and the command line. Each attack is
# refused at its file:line:col with exit 65 and leaves the store and its
# history as they were; what is written out (mail, CSV, the log) cannot be
# turned against whoever reads it.

load helpers
bats_require_minimum_version 1.5.0

setup() {
	setup_trash
	init_demo
	export EJ_STORE=$S
	cat > "$TRASH/pupils.csv" <<-'CSV'
	surname,name,patronymic,birth_date,sex,class,ext_id
	Петров,Пётр,Иванович,12.03.2009,м,5А,ЛД-1
	Иванова,Мария,Сергеевна,01.02.2009,ж,5А,ЛД-2
	CSV
	ej-roster import pupils "$TRASH/pupils.csv" 2>/dev/null
}
teardown() { teardown_trash; }

# The store's database and history, byte for byte.
snap() {
	sha256sum "$S/ej.db"
	git -C "$S/history.git" rev-parse main
	store_digest "$S"
}

# Run a command that must be refused: exit 65, the store unchanged.
refused() {
	before=$(snap)
	run -65 "$@"
	echo "$output"
	[ "$(snap)" = "$before" ]
}

parents() {
	printf 'surname,name,phone,email,pupil,relation\n' > "$TRASH/parents.csv"
	printf "$@" >> "$TRASH/parents.csv"
}

@test "parents: an e-mail with a line break and a Bcc header is refused at its cell" {
	parents '"Петрова","Анна","+7 978 111-22-33","m@ok.example>\nBcc: evil@x.example","Петров Пётр",мать\n'
	refused ej-roster import parents "$TRASH/parents.csv"
	[ "${lines[0]}" = "ej-roster: $TRASH/parents.csv:2:4: column \"email\": control character U+000A (line feed) is not allowed" ]
	[ "${lines[-1]}" = "ej-roster: nothing was written" ]
}

@test "parents: an e-mail that is two addresses, or has angle brackets or spaces, is refused" {
	parents '%s\n' 'Петрова,Анна,,"a@b.ru>, victim@example.org",Петров Пётр,мать' \
	    'Петрова,Анна,,<a@b.ru>,Иванова Мария,мать' \
	    'Сидорова,Ольга,,o s@b.ru,Иванова Мария,мать' \
	    'Сидорова,Ольга,,"""q""@b.ru",Иванова Мария,мать' \
	    'Сидорова,Ольга,12-34 x,,Иванова Мария,мать'
	refused ej-roster import parents "$TRASH/parents.csv"
	[[ "${lines[0]}" == "ej-roster: $TRASH/parents.csv:2:4: email: \"a@b.ru>, victim@example.org\" is not an address"* ]]
	[[ "${lines[1]}" == "ej-roster: $TRASH/parents.csv:3:4: email: \"<a@b.ru>\" is not an address"* ]]
	[[ "${lines[2]}" == "ej-roster: $TRASH/parents.csv:4:4: email: \"o s@b.ru\" is not an address"* ]]
	[[ "${lines[3]}" == "ej-roster: $TRASH/parents.csv:5:4: email: \"\"q\"@b.ru\" is not an address"* ]]
	[[ "${lines[4]}" == "ej-roster: $TRASH/parents.csv:6:3: phone: \"12-34 x\" is not a phone number"* ]]
	[ "${lines[-1]}" = "ej-roster: nothing was written" ]
}

@test "staff: e-mail and phone are checked on import too" {
	ej-roster export staff > "$TRASH/staff.csv"
	head -1 "$TRASH/staff.csv" | grep -q '^login,surname,name,patronymic,email,phone'
	awk -F, 'NR == 2 { $5 = "a@b.ru>, c@d.example"; $5 = "\"" $5 "\"" } { print }' OFS=, \
	    "$TRASH/staff.csv" > "$TRASH/staff2.csv"
	refused ej-roster import staff "$TRASH/staff2.csv"
	[[ "${lines[0]}" == "ej-roster: $TRASH/staff2.csv:2:5: email: \"a@b.ru>, c@d.example\" is not an address"* ]]
}

@test "pupils: LF, CR, TAB, a bidi override, C1 and DEL in any cell are refused, every one listed" {
	{
		echo 'surname,name,patronymic,birth_date,sex,class,ext_id'
		printf '"Сидоров\nReason: forged",Иван,,01.01.2009,м,5А,\n'
		printf '"Сидоров\rИван",Иван,,01.01.2009,м,5А,\n'
		printf 'Сидоров,"Ив\tан",,01.01.2009,м,5А,\n'
		printf 'Сидоров,Иван,\xe2\x80\xaeчивонаВ,01.01.2009,м,5А,\n'
		printf 'Сидоров,Иван,,01.01.2009,м,5А,x\xc2\x9by\n'
		printf 'Сидоров,Иван,,01.01.2009,м,5А,x\x7fy\n'
	} > "$TRASH/bad.csv"
	refused ej-roster import pupils "$TRASH/bad.csv"
	[ "${lines[0]}" = "ej-roster: $TRASH/bad.csv:2:1: column \"surname\": control character U+000A (line feed) is not allowed" ]
	[ "${lines[1]}" = "ej-roster: $TRASH/bad.csv:4:1: column \"surname\": control character U+000D (carriage return) is not allowed" ]
	[ "${lines[2]}" = "ej-roster: $TRASH/bad.csv:5:2: column \"name\": control character U+0009 (tab) is not allowed" ]
	[ "${lines[3]}" = "ej-roster: $TRASH/bad.csv:6:3: column \"patronymic\": control character U+202E (a bidirectional control) is not allowed" ]
	[ "${lines[4]}" = "ej-roster: $TRASH/bad.csv:7:7: column \"ext_id\": control character U+009B is not allowed" ]
	[ "${lines[5]}" = "ej-roster: $TRASH/bad.csv:8:7: column \"ext_id\": control character U+007F (delete) is not allowed" ]
	[ "${lines[-1]}" = "ej-roster: nothing was written" ]
	# a NUL byte: not a text file at all
	printf 'surname,name,patronymic,birth_date,sex,class\nА\0,Б,,01.01.2009,м,5А\n' > "$TRASH/nul.csv"
	refused ej-roster import pupils "$TRASH/nul.csv"
	[[ "$output" == *"nul.csv:2: "*"NUL"* ]]
}

@test "lessons, marks, attendance and consents: a control character in an import is refused" {
	printf 'class,subject,date,lesson,subgroup,topic,homework,teacher\n5А,Математика,01.09.2020,1,,"Дроби\nReason: forged",п. 1,\n5А,Математика,02.09.2020,1,,Дроби,\xe2\x81\xa6п. 2,\n' > "$TRASH/lessons.csv"
	refused ej-lesson import "$TRASH/lessons.csv"
	[ "${lines[0]}" = "ej-lesson: $TRASH/lessons.csv:2:6: column \"topic\": control character U+000A (line feed) is not allowed" ]
	[ "${lines[1]}" = "ej-lesson: $TRASH/lessons.csv:4:7: column \"homework\": control character U+2066 (a bidirectional control) is not allowed" ]
	printf 'class,subject,date,lesson,pupil,mark,work\n5А,Математика,01.09.2020,1,"Петров\rПётр",5,\n' > "$TRASH/marks.csv"
	refused ej-grade import "$TRASH/marks.csv"
	[ "${lines[0]}" = "ej-grade: $TRASH/marks.csv:2:5: column \"pupil\": control character U+000D (carriage return) is not allowed" ]
	printf 'class,date,lesson,pupil,code\n5А,01.09.2020,1,Петров Пётр,"н\tx"\n' > "$TRASH/att.csv"
	refused ej-attend import "$TRASH/att.csv"
	[[ "${lines[0]}" == "ej-attend: $TRASH/att.csv:2:5: column "*"control character U+0009 (tab) is not allowed" ]]
	printf 'Родитель;Ученик;Документ;Статус;Дата;Номер;Причина\nПетрова Анна;Петров Пётр;согласие;отказ;03.09.2020;;"нет\nReason: forged"\n' > "$TRASH/consent.csv"
	refused ej-consent import "$TRASH/consent.csv"
	[[ "${lines[0]}" == "ej-consent: $TRASH/consent.csv:2:7: column \"Причина\": control character U+000A (line feed) is not allowed" ]]
}

@test "command line: reasons, topics and homework with control characters are refused, naming the option" {
	ej-lesson set 5А Математика 01.09 --topic 'Дроби' 2>/dev/null
	ej-grade set 5А Математика 01.09 'Петров Пётр' 5 2>/dev/null
	refused ej-lesson set 5А Математика 02.09 --topic $'Дроби\nReason: forged'
	[ "$output" = "ej-lesson: --topic: control character U+000A (line feed) is not allowed" ]
	refused ej-lesson set 5А Математика 02.09 --homework $'\u202eп. 1'
	[ "$output" = "ej-lesson: --homework: control character U+202E (a bidirectional control) is not allowed" ]
	refused ej-grade set --reason $'ошибка\rReason: forged' 5А Математика 01.09 'Петров Пётр' 4
	[ "$output" = "ej-grade: --reason: control character U+000D (carriage return) is not allowed" ]
	refused ej-grade rm --reason $'a\tb' 5А Математика 01.09 'Петров Пётр'
	[ "$output" = "ej-grade: --reason: control character U+0009 (tab) is not allowed" ]
	refused ej-attend set --reason $'a\nb' 5А 01.09 'Петров Пётр' н
	[ "$output" = "ej-attend: --reason: control character U+000A (line feed) is not allowed" ]
	refused ej-consent refuse --pupil 'Петров Пётр' --kind ediary --date 01.09 --reason $'нет\x1b[2J'
	[ "$output" = "ej-consent: --reason: control character U+001B is not allowed" ]
	refused ej-consent record --pupil 'Петров Пётр' --kind ediary --date 01.09 --form-no $'1\n2'
	[ "$output" = "ej-consent: --form-no: control character U+000A (line feed) is not allowed" ]
	refused ej-issue-login revoke --reason $'x\u2067' nobody
	[ "$output" = "ej-issue-login: --reason: control character U+2067 (a bidirectional control) is not allowed" ]
	refused ej-log revert --reason $'x\ny' HEAD
	[ "$output" = "ej-log: --reason: control character U+000A (line feed) is not allowed" ]
}

@test "school.yaml: control characters in any scalar, bad e-mail and phone, refused at line:col" {
	sed -e 's/^  phone: 0(6555) 5-15-97$/  phone: "0(6555) 5-15-97\\nBcc: x"/' \
	    -e 's/^  email: skuvk1@mail.ru$/  email: "skuvk1@mail.ru>, victim@example.org"/' \
	    -e 's/^  director: Лысенко Н.Г.$/  director: "Лысенко\\u202E Н.Г."/' \
	    "$EXAMPLES/school.yaml" > "$TRASH/s.yaml"
	grep -n '^  director: "Лысенко' "$TRASH/s.yaml"
	run -65 ej-init --store "$TRASH/new" "$TRASH/s.yaml"
	echo "$output"
	[ "${lines[0]}" = "ej-init: $TRASH/s.yaml:20:10: control character U+000A (line feed) is not allowed" ]
	[[ "${lines[1]}" == "ej-init: $TRASH/s.yaml:21:10: school.email: \"skuvk1@mail.ru>, victim@example.org\" is not an e-mail address"* ]]
	[ "${lines[2]}" = "ej-init: $TRASH/s.yaml:22:13: control character U+202E (a bidirectional control) is not allowed" ]
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[-1]}" = "ej-init: nothing was created" ]
	[ ! -e "$TRASH/new/ej.db" ]
	# a staff name with a tab, as an escape
	sed -e '0,/surname: /s/surname: \(.*\)$/surname: "\1\\tX"/' "$EXAMPLES/school.yaml" > "$TRASH/t.yaml"
	run -65 ej-init --store "$TRASH/new" "$TRASH/t.yaml"
	[[ "$output" == *"t.yaml:"*": control character U+0009 (tab) is not allowed"* ]]
	[ ! -e "$TRASH/new/ej.db" ]
}

@test "school.yaml nested 100,000 deep is refused at once" {
	python3 -c "print('school: ' + '[' * 100000 + ']' * 100000)" > "$TRASH/deep.yaml"
	run -65 timeout 5 ej-init --store "$TRASH/new" "$TRASH/deep.yaml"
	[ "${lines[0]}" = "ej-init: $TRASH/deep.yaml:1:72: nested deeper than 64 levels" ]
	[ ! -e "$TRASH/new/ej.db" ]
	python3 -c "
print('school:')
for i in range(1, 200): print(' ' * i + 'a:')" > "$TRASH/deep2.yaml"
	run -65 timeout 5 ej-init --store "$TRASH/new" "$TRASH/deep2.yaml"
	[ "${lines[0]}" = "ej-init: $TRASH/deep2.yaml:65:65: nested deeper than 64 levels" ]
}

@test "ej-lesson export guards formulas made of digits, and the import gives them back" {
	ej-lesson set 5А Математика 01.09 --topic '=1-1' --homework '=(2)-(3)' 2>/dev/null
	ej-lesson set 5А Математика 02.09 --topic '-2-3' --homework '-5' 2>/dev/null
	ej-lesson export --class 5А > "$TRASH/l.csv"
	cat "$TRASH/l.csv"
	grep -qx "5А,Математика,2020-09-01,1,,'=1-1,'=(2)-(3),$(id -un)" "$TRASH/l.csv"
	grep -qx "5А,Математика,2020-09-02,1,,'-2-3,-5,$(id -un)" "$TRASH/l.csv"
	n=$(commits "$S")
	run ej-lesson import "$TRASH/l.csv"
	[ "$output" = "ej-lesson: no changes" ]
	[ "$(commits "$S")" -eq "$n" ]
	[ "$(sqlite3 "$S/ej.db" "SELECT topic || '|' || homework FROM lessons ORDER BY date")" = $'=1-1|=(2)-(3)\n-2-3|-5' ]
}

# The diary by mail, for 5А's parents with e-mail.
mail_setup() {
	parents '%s\n' '"Smith, Jr.",John,,john@example.org,Петров Пётр,отец' \
	    'Петрова,Анна,+7 978 111-22-33,anna.petrova@example.org,Петров Пётр,мать' \
	    'Иванова-Квашнина,Александра-Валентина,,a.iv@example.org,Иванова Мария,мать'
	ej-roster import parents "$TRASH/parents.csv" 2>/dev/null
}

@test "diary --mail: exactly the intended recipient, display names decoded, unique Message-IDs" {
	mail_setup
	# two runs within one second (the clock is read around them)
	for try in 1 2 3 4 5; do
		rm -rf "$TRASH/m1" "$TRASH/m2"
		t0=$(date +%s)
		ej-report diary --class 5А --period 1 --mail "$TRASH/m1" 2>/dev/null
		ej-report diary --class 5А --period 1 --mail "$TRASH/m2" 2>/dev/null
		[ "$(date +%s)" = "$t0" ] && break
	done
	[ "$(ls "$TRASH/m1" | wc -l)" -eq 3 ]
	sqlite3 -separator '|' "$S/ej.db" "SELECT g.pupil_id || '-' || pa.id,
	    trim(pa.surname || ' ' || pa.name || ' ' || pa.patronymic), pa.email
	    FROM guardians g JOIN parents pa ON pa.id = g.parent_id" > "$TRASH/want"
	python3 - "$TRASH/want" "$TRASH/m1" "$TRASH/m2" <<-'PY'
	import email.parser, email.policy, os, re, sys
	want = {}
	for line in open(sys.argv[1], encoding="utf-8"):
	    key, name, addr = line.rstrip("\n").split("|")
	    want[key + ".eml"] = (name, addr)
	# Python's parser keeps the fold between two encoded words of a
	# display name (RFC 2047 6.2 says to drop it), so a space the name
	# has at a fold comes out doubled there: compare with runs of spaces
	# as one; a fold inside a word would still show.
	def squeeze(s):
	    return re.sub(" +", " ", s)
	ids = []
	for d in sys.argv[2:]:
	    assert sorted(os.listdir(d)) == sorted(want), (os.listdir(d), want)
	    for fn in sorted(os.listdir(d)):
	        with open(os.path.join(d, fn), "rb") as f:
	            m = email.parser.BytesParser(policy=email.policy.strict).parse(f)
	        assert not m.defects, m.defects
	        for h in ("Bcc", "Cc", "Resent-To", "Resent-Bcc"):
	            assert h not in m, (fn, h)
	        assert len(m.get_all("To")) == 1
	        to = m["To"].addresses
	        name, addr = want[fn]
	        assert len(to) == 1, (fn, to)
	        assert to[0].addr_spec == addr, (fn, to[0].addr_spec, addr)
	        assert squeeze(to[0].display_name) == name, (fn, to[0].display_name, name)
	        frm = m["From"].addresses
	        assert len(frm) == 1 and frm[0].addr_spec == "skuvk1@mail.ru", frm
	        assert squeeze(frm[0].display_name) == "МБОУ «Старокрымский УВК №1 „Школа-гимназия“»", frm[0].display_name
	        assert str(m["Subject"]).startswith("Diary: "), str(m["Subject"])
	        for line in open(os.path.join(d, fn), "rb").read().split(b"\r\n"):
	            assert len(line) <= 78, line
	        ids.append(m["Message-ID"])
	assert len(ids) == 6 and len(set(ids)) == 6, ids
	print("ok", ids)
	PY
	grep -q '^To: "Smith, Jr. John"' "$TRASH/m1"/*.eml
}

@test "diary --mail: an address that a store written before the check holds is never written into a header" {
	mail_setup
	sqlite3 "$S/ej.db" "UPDATE parents SET email = 'x@y.example>'||char(13,10)||'Bcc: evil@x.example' WHERE name = 'Анна'"
	run -65 ej-report diary --class 5А --period 1 --mail "$TRASH/m"
	echo "$output"
	[[ "$output" == *"is not an e-mail address; no message was written"* ]]
	[ "$(ls "$TRASH/m" | wc -l)" -eq 2 ]
	! grep -rq 'evil' "$TRASH/m"
}

@test "ej-log and the commit message show control characters escaped, never raw" {
	# The demo's plan holds multi-line tasks (the one multi-line text).
	run ej-log
	[ "$status" -eq 0 ]
	[[ "$output" == *'Издание приказов\n- о введении электронного журнала;'* ]]
	run ! grep -q '^- о введении' <<<"$output"
	# A command line with a tab (a name looked up, not stored) cannot
	# split the commit's subject or body.
	ej-grade set 5А Математика 01.09 $'Петров\tПётр' 5 2>/dev/null
	msg=$(git -C "$S/history.git" log -1 --format=%B main)
	[[ "$msg" == *"'Петров\\tПётр'"* ]]
	[ "$(git -C "$S/history.git" log -1 --format=%s main | wc -l)" -eq 1 ]
}
