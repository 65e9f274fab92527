// Test helper: fleet Clusters built from the committed system catalogue
// (platforms/catalog/systems.yaml), so tests use the catalogue's peak and memory figures.
#ifndef FLEETSIM_TESTS_TRAINING_CATALOG_CLUSTERS_H_
#define FLEETSIM_TESTS_TRAINING_CATALOG_CLUSTERS_H_

#include <string>
#include <vector>

#include "sim/platform/fleet.h"

namespace fleetsim::training::testing {

// A one-host Cluster named "test.<system>" for catalogue system `system`; aborts the test
// binary (via gtest ADD_FAILURE + empty cluster) if the system is absent.
platform::Cluster CatalogCluster(const std::string& system);

// Every system name in the catalogue.
std::vector<std::string> CatalogSystems();

}  // namespace fleetsim::training::testing

#endif  // FLEETSIM_TESTS_TRAINING_CATALOG_CLUSTERS_H_
