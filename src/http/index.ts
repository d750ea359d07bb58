/**
 * Public surface of the outbound HTTP module (bottom layer: it knows no calls, tenants or events):
 * the URL policy, `HttpTarget` (undici: per-target CA, keep-alive, timeouts, size caps, errors as
 * values) and the IBM IAM token source. See docs/http.md.
 */
export { checkUrl, joinUrl, type UrlPolicy } from './url-policy.js';
export { HttpTarget, trustedCas, type HttpTargetOptions, type HttpMethod, type HttpRequest, type HttpResponse, type HttpStreamResponse, type HttpHeaders } from './target.js';
export { errorCode, type HttpError, type HttpErrorKind } from './errors.js';
export { IbmIamTokenSource, iamTokenUrl, DEFAULT_IAM_URL, type IamError, type IbmIamOptions } from './ibm-iam.js';
