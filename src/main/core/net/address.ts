/** The app's one classification of addresses lives in src/shared (the Settings page uses it too). */
export { ADDRESS_WORDS, addressWords, classifyAddress, classifyHost, ipv6Bytes, isLocalhostName, normalizeHost, type AddressKind } from '@shared/address';
