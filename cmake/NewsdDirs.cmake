# Where newsd's configuration goes, decided the same way when configuring (the default
# configuration file compiled into newsd and newsctl) and again at install time (cmake
# --install --prefix DIR may name another prefix than the configured one):
#  - an absolute CMAKE_INSTALL_SYSCONFDIR wins (the Debian package's build passes /etc);
#  - a prefix of /usr (or /) puts it in /etc, as Debian does for its own programs;
#  - any other prefix keeps it under the prefix (PREFIX/etc), so that an install into DIR
#    leaves nothing outside DIR.
function(newsd_sysconfdir prefix sysconfdir out)
  if(IS_ABSOLUTE "${sysconfdir}")
    set(dir "${sysconfdir}")
  elseif(prefix STREQUAL "/usr" OR prefix STREQUAL "/" OR prefix STREQUAL "")
    set(dir "/${sysconfdir}")
  else()
    set(dir "${prefix}/${sysconfdir}")
  endif()
  set(${out} "${dir}" PARENT_SCOPE)
endfunction()

# An install directory (GNUInstallDirs style: relative to the prefix unless absolute).
function(newsd_full_dir prefix dir out)
  if(IS_ABSOLUTE "${dir}")
    set(${out} "${dir}" PARENT_SCOPE)
  elseif(prefix STREQUAL "/")
    set(${out} "/${dir}" PARENT_SCOPE)
  else()
    set(${out} "${prefix}/${dir}" PARENT_SCOPE)
  endif()
endfunction()
