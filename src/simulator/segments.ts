/**
 * How many SMS parts (segments) a text costs. GSM-7 texts: 160 septets in one part, 153 per part when split;
 * any other text goes as UCS-2: 70 UTF-16 units in one part, 67 per part. Characters of the GSM extension
 * table take two septets. (Real splitting also avoids cutting an escape pair; the simulator ignores that.)
 */
const GSM_BASIC = new Set(
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà',
);
const GSM_EXTENSION = new Set('\f^{}\\[~]|€');

export function segmentCount(content: string): number {
  let septets = 0;
  for (const ch of content) {
    if (GSM_BASIC.has(ch)) septets += 1;
    else if (GSM_EXTENSION.has(ch)) septets += 2;
    else return parts(content.length, 70, 67);
  }
  return parts(septets, 160, 153);
}

function parts(length: number, single: number, perPart: number): number {
  return length <= single ? 1 : Math.ceil(length / perPart);
}
