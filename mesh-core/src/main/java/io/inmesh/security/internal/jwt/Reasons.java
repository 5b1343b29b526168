package io.inmesh.security.internal.jwt;

/**
 * Why a token was rejected, in the words of Envoy's jwt_authn (jwt_verify_lib status strings), which an Istio user
 * sees in the 401 body. None of them carries the token.
 */
final class Reasons {
    static final String BAD_FORMAT = "Jwt is not in the form of Header.Payload.Signature with two dots and 3 sections";
    static final String BAD_HEADER = "Jwt header is an invalid JSON";
    static final String BAD_PAYLOAD = "Jwt payload is an invalid JSON";
    static final String UNSUPPORTED_ALG = "Jwt header [alg] is not supported: expected RS256, RS384, RS512, PS256,"
            + " PS384, PS512, ES256, ES384 or ES512";
    static final String UNKNOWN_ISSUER = "Jwt issuer is not configured";
    static final String EXPIRED = "Jwt is expired";
    static final String NOT_YET_VALID = "Jwt not yet valid";
    static final String AUDIENCE = "Audiences in Jwt are not allowed";
    static final String VERIFICATION_FAILS = "Jwt verification fails";
    static final String KID_MISMATCH = "Jwks doesn't have key to match kid or alg from Jwt";
    static final String FETCH_FAILED = "Jwks remote fetch is failed";
    static final String NO_VALID_KEYS = "Jwks doesn't have valid keys";

    private Reasons() {
    }
}
