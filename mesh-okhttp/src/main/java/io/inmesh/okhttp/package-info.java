/**
 * OkHttp client adapter: an application interceptor that routes, balances, retries and secures calls
 * according to the mesh's current snapshot. The interceptor arrives with the traffic plane; until then this
 * module only fixes its coordinates and dependencies.
 */
package io.inmesh.okhttp;
