export { IMAGE_EXT, IMAGE_MIME } from '@shared/images';
