# Maps the ECHO_SANITIZER cache variable to compiler and linker flags for the
# whole build, so that every object (ours and GoogleTest's templates) agrees.
if(ECHO_SANITIZER STREQUAL "address")
  # Every check is fatal, except that vptr is built recoverable: UBSan's runtime
  # suppressions (tests/ubsan.supp) apply only to recoverable checks, and
  # UBSAN_OPTIONS=halt_on_error=1 (the dev test preset) still stops the
  # process at any vptr report that no suppression covers.
  set(_echo_san_flags -fsanitize=address,undefined -fno-sanitize-recover=all
                      -fsanitize-recover=vptr -fno-omit-frame-pointer)
elseif(ECHO_SANITIZER STREQUAL "thread")
  set(_echo_san_flags -fsanitize=thread -fno-omit-frame-pointer)
elseif(NOT ECHO_SANITIZER STREQUAL "")
  message(FATAL_ERROR "ECHO_SANITIZER must be empty, 'address' or 'thread', not '${ECHO_SANITIZER}'")
endif()

if(_echo_san_flags)
  add_compile_options(${_echo_san_flags})
  add_link_options(${_echo_san_flags})
endif()
