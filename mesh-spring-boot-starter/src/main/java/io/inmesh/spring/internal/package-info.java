/** The starter's implementation: request and response wrappers, header access, building the mesh. Not an API. */
package io.inmesh.spring.internal;
