/**
 * Spring Boot 4 auto-configuration for InMesh: {@code mesh.*} properties, annotations, inbound filters and the
 * actuator endpoint. The auto-configuration arrives with the starter issue; until then this module only fixes its
 * coordinates and dependencies.
 */
package io.inmesh.spring;
