/** Spring Boot Actuator support: the {@code mesh} endpoint and health indicator. */
package io.inmesh.spring.actuate;
