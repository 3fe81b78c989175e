# hardening.mk — fuzzing, sanitizers and the bad-input corpus; included by the Makefile.
.PHONY: badinput
badinput: payrun
	@echo "badinput: no corpus yet"
