export { ADDRESS_WORDS, addressWords, classifyAddress, classifyHost, isLocalhostName, normalizeHost, type AddressKind } from './address';
export { NetPolicy, UrlRefusal, netPolicy, refusalIn, type NetPolicyOptions, type PolicyLookup, type UrlRefusalReason } from './policy';
