# Install-time part of `cmake --install` (install(CODE) in CMakeLists.txt includes it).
#
# The files whose text names installed paths are made here, not when configuring: only now is
# the prefix known (`cmake --install build --prefix DIR` may name another than the configured
# one), so that the unit's ExecStart names the binary this install puts in place and the
# configuration points at these samples.  Set by the caller: NEWSD_SOURCE_DIR,
# NEWSD_BINARY_DIR, NEWSD_SBINDIR, NEWSD_DATADIR, NEWSD_SYSCONFDIR, NEWSD_UNITDIR (as
# configured: relative to the prefix unless absolute) and NEWSD_INSTALLED_CONF_IN.
include("${NEWSD_SOURCE_DIR}/cmake/NewsdDirs.cmake")

set(prefix "${CMAKE_INSTALL_PREFIX}")
newsd_sysconfdir("${prefix}" "${NEWSD_SYSCONFDIR}" sysconfdir)
newsd_full_dir("${prefix}" "${NEWSD_SBINDIR}" sbindir)
newsd_full_dir("${prefix}" "${NEWSD_DATADIR}" datadir)
newsd_full_dir("${prefix}" "${NEWSD_UNITDIR}" unitdir)
set(gen "${NEWSD_BINARY_DIR}/install-generated")
file(MAKE_DIRECTORY "${gen}")

# The systemd unit: systemd/newsd.service.in with this install's paths.
set(CMAKE_INSTALL_FULL_SBINDIR "${sbindir}")
set(CMAKE_INSTALL_FULL_SYSCONFDIR "${sysconfdir}")
configure_file("${NEWSD_SOURCE_DIR}/systemd/newsd.service.in" "${gen}/newsd.service" @ONLY)
set(mode PERMISSIONS OWNER_READ OWNER_WRITE GROUP_READ WORLD_READ)
file(INSTALL "${gen}/newsd.service" DESTINATION "${unitdir}" ${mode})

# The configuration is the administrator's: never overwrite one that is there.
file(READ "${NEWSD_INSTALLED_CONF_IN}" conf)
string(REPLACE "@NEWSD_SAMPLES_DIR@" "${datadir}/newsd/samples" conf "${conf}")
file(WRITE "${gen}/newsd.conf" "${conf}")
set(dest "${sysconfdir}/newsd")
if(EXISTS "$ENV{DESTDIR}${dest}/newsd.conf")
  message(STATUS "Keeping: $ENV{DESTDIR}${dest}/newsd.conf")
else()
  file(INSTALL "${gen}/newsd.conf" DESTINATION "${dest}" ${mode})
endif()
