# The installed newsd.conf, made from the demo configuration etc/newsd.conf (included from
# CMakeLists.txt at configure time).
#
# etc/newsd.conf is what the README's demo runs: it polls the sample feeds of the source
# tree.  The installed file must poll nothing until the operator adds sources, so that
# `systemctl enable --now newsd` publishes no invented stories into a real journal.  Both are
# one file with two parts replaced, so that a setting added to etc/newsd.conf reaches the
# installed file too:
#  - the paragraph that starts "# This is the demo configuration" (up to the next empty line);
#  - the sources, from the line that starts "# The sources." to the line ");" that closes
#    the list.
# A file that lacks either stops the configure step with a message naming the part.
#
# The result is NEWSD_INSTALLED_CONF_IN, in which @NEWSD_SAMPLES_DIR@ stands for the folder
# of the installed samples: install-files.cmake fills it in at install time, when the prefix
# is known.

set(NEWSD_DEMO_CONF "${CMAKE_SOURCE_DIR}/etc/newsd.conf")
set(NEWSD_INSTALLED_CONF_IN "${CMAKE_BINARY_DIR}/newsd.conf.installed.in")
set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${NEWSD_DEMO_CONF}")

set(newsd_installed_intro [=[
# This is the configuration of the installed newsd. It polls nothing until you
# add sources at the end of this file; then `systemctl reload newsd` (or `newsctl
# reload`) takes them. `newsd --check-config -c FILE` checks a file first.
]=])

set(newsd_installed_sources [=[
# The sources: none yet. id: [a-z0-9][a-z0-9._-]*, unique. topic defaults to
# "news.<id>". url: http://, https://, or file: for local files (a relative
# file: path is taken relative to this file's folder). For example:
sources = (
  # { id = "example"; url = "https://example.org/feed.xml"; interval = 300;
  #   topic = "news.example"; headers = [ "Authorization: Bearer TOKEN" ]; }
);
# To try newsd with no network first, use the sample feeds shipped with it
# instead: uncomment these lines in place of the sources above. Their stories
# are invented and stay in the journal (retention.journal) once published, so
# try them on a scratch state_dir, not on the one you keep.
# sources = (
#   { id = "gazette"; url = "file://@NEWSD_SAMPLES_DIR@/gazette.rss"; topic = "news.local.gazette"; },
#   { id = "wire";    url = "file://@NEWSD_SAMPLES_DIR@/wire.atom";   topic = "news.wire"; },
#   { id = "review";  url = "file://@NEWSD_SAMPLES_DIR@/review.rdf";  topic = "news.review"; },
#   { id = "digest";  url = "file://@NEWSD_SAMPLES_DIR@/digest.json"; topic = "news.tech.digest"; }
# );
]=])

file(READ "${NEWSD_DEMO_CONF}" newsd_conf)
# libconfig files are plain text; CMake lists would split on ';', so work on the text whole.
string(FIND "${newsd_conf}" "# This is the demo configuration" intro_at)
if(intro_at LESS 0)
  message(FATAL_ERROR "etc/newsd.conf: no paragraph starting \"# This is the demo "
                      "configuration\" (cmake/installed-conf.cmake replaces it)")
endif()
string(SUBSTRING "${newsd_conf}" ${intro_at} -1 rest)
string(FIND "${rest}" "\n\n" intro_len)
if(intro_len LESS 0)
  message(FATAL_ERROR "etc/newsd.conf: the demo paragraph does not end with an empty line")
endif()
math(EXPR after_intro "${intro_at} + ${intro_len} + 1")
string(SUBSTRING "${newsd_conf}" 0 ${intro_at} head)
string(SUBSTRING "${newsd_conf}" ${after_intro} -1 newsd_conf)
set(newsd_conf "${head}${newsd_installed_intro}${newsd_conf}")

string(FIND "${newsd_conf}" "\n# The sources." src_at)
if(src_at LESS 0)
  message(FATAL_ERROR "etc/newsd.conf: no line starting \"# The sources.\" before the "
                      "sources (cmake/installed-conf.cmake replaces them)")
endif()
math(EXPR src_at "${src_at} + 1")
string(SUBSTRING "${newsd_conf}" ${src_at} -1 rest)
string(FIND "${rest}" "\n);\n" src_len)
if(src_len LESS 0)
  message(FATAL_ERROR "etc/newsd.conf: the sources list does not end with a line \");\"")
endif()
math(EXPR after_src "${src_at} + ${src_len} + 4")
string(SUBSTRING "${newsd_conf}" 0 ${src_at} head)
string(SUBSTRING "${newsd_conf}" ${after_src} -1 tail)
file(WRITE "${NEWSD_INSTALLED_CONF_IN}" "${head}${newsd_installed_sources}${tail}")
