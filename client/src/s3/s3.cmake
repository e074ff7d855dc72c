# The S3 under-storage, included by client/CMakeLists.txt. Top down: the Ufs
# operations, the namespace model, readers and writers, the attribute codec
# and settings, then the HTTP ObjectClient and its I/O loop.
target_sources(alluxio_client PRIVATE
  ${CMAKE_CURRENT_LIST_DIR}/s3_ufs.cc
  ${CMAKE_CURRENT_LIST_DIR}/s3_namespace.cc
  ${CMAKE_CURRENT_LIST_DIR}/s3_stream.cc
  ${CMAKE_CURRENT_LIST_DIR}/s3_writer.cc
  ${CMAKE_CURRENT_LIST_DIR}/s3_metadata.cc
  ${CMAKE_CURRENT_LIST_DIR}/s3_settings.cc
  ${CMAKE_CURRENT_LIST_DIR}/s3_client.cc
  ${CMAKE_CURRENT_LIST_DIR}/io_loop.cc
  ${CMAKE_CURRENT_LIST_DIR}/sigv4.cc
)
target_link_libraries(alluxio_client PRIVATE
  CURL::libcurl OpenSSL::Crypto pugixml::pugixml Boost::context)
if(ALLUXIO_SANITIZER STREQUAL "thread")
  # Code around a fiber switch enters a function on one fiber and leaves it
  # on another, which unbalances TSan's per-fiber shadow call stacks (and
  # crashes its stack depot) when io_loop.cc records function entry and
  # exit. Its memory accesses stay instrumented.
  set_source_files_properties(${CMAKE_CURRENT_LIST_DIR}/io_loop.cc PROPERTIES
    COMPILE_OPTIONS "--param=tsan-instrument-func-entry-exit=0")
endif()
