# scdoc 1.11 opens a paragraph (.P) after every heading and just before the end of every
# indented block (.RE), which mandoc -T lint reports as "skipping paragraph macro"
# warnings.  Drop a .P right after .TH, .SH or .SS; move a .P that comes just before .RE
# to just after it, where it separates the block from what follows; then drop a .P that
# is followed by another .P, a heading, or nothing.  Text and other macros pass unchanged.
function is_break(line)
{
	return line ~ /^\.(P|PP|SH|SS)( |$)/
}

{
	if (pending && $0 ~ /^\.RE( |$)/) {
		print
		last = $0
		next
	}
	if (pending && is_break($0))
		pending = 0
	if (pending) {
		print ".P"
		pending = 0
	}
	if ($0 == ".P") {
		if (last !~ /^\.(TH|SH|SS)( |$)/)
			pending = 1
		next
	}
	print
	last = $0
}
