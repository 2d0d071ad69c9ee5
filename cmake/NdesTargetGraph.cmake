# ndes_write_target_graph(<file>)
#
# Writes the link graph of the project's own libraries and executables
# under proto/, server/ and client/ to <file>, one line per target:
#
#   <target> public: <dep> ...
#   <target> links: <dep> ...
#
# "public" holds what a target passes on to whoever links it (its usage
# requirements: include paths, definitions); "links" everything it links,
# public or not. Dependencies are the names as written (project targets,
# imported targets such as cpprestsdk::cpprest, or plain library names).
# tests/build reads it to prove the graph has no cycle and that layers link
# only what they may.
function(ndes_collect_targets dir out_var)
  get_property(targets DIRECTORY "${dir}" PROPERTY BUILDSYSTEM_TARGETS)
  get_property(subdirs DIRECTORY "${dir}" PROPERTY SUBDIRECTORIES)
  foreach(sub IN LISTS subdirs)
    ndes_collect_targets("${sub}" sub_targets)
    list(APPEND targets ${sub_targets})
  endforeach()
  set(${out_var} ${targets} PARENT_SCOPE)
endfunction()

# The target names in a link item list, generator expressions unwrapped
# ($<LINK_ONLY:x> -> x); conditions of other generator expressions are not
# evaluated, their values are kept.
function(ndes_link_names items out_var)
  set(names)
  foreach(item IN LISTS items)
    string(REGEX REPLACE "^\\$<LINK_ONLY:(.*)>$" "\\1" item "${item}")
    if(item MATCHES "^\\$<")
      continue()
    endif()
    list(APPEND names "${item}")
  endforeach()
  set(${out_var} ${names} PARENT_SCOPE)
endfunction()

function(ndes_write_target_graph file)
  set(lines)
  foreach(dir IN ITEMS proto server client)
    ndes_collect_targets("${PROJECT_SOURCE_DIR}/${dir}" targets)
    foreach(target IN LISTS targets)
      get_target_property(type ${target} TYPE)
      if(type STREQUAL "UTILITY")
        continue()
      endif()
      get_target_property(interface ${target} INTERFACE_LINK_LIBRARIES)
      if(NOT interface)
        set(interface)
      endif()
      # Usage requirements that propagate: everything but LINK_ONLY.
      set(public)
      foreach(item IN LISTS interface)
        if(NOT item MATCHES "^\\$<LINK_ONLY:")
          list(APPEND public "${item}")
        endif()
      endforeach()
      ndes_link_names("${public}" public)
      set(private)
      if(NOT type STREQUAL "INTERFACE_LIBRARY")
        get_target_property(linked ${target} LINK_LIBRARIES)
        if(linked)
          ndes_link_names("${linked}" private)
        endif()
      endif()
      list(JOIN public " " public_text)
      list(JOIN private " " private_text)
      list(APPEND lines "${target} public: ${public_text}"
                        "${target} links: ${private_text}")
    endforeach()
  endforeach()
  list(JOIN lines "\n" text)
  file(WRITE "${file}" "${text}\n")
endfunction()
