import type { BatchSendRequest, SendRequest } from './client';

/**
 * The JSON bodies of sendSms and sendSms/batch, as the bytes the HTTP client sends (axios would turn the text
 * into a Buffer itself; given a Buffer it skips its own checks). Numbers and orderIds are comma-joined, as the
 * gateway wants (sendSms-api.md). JSON.stringify over plain objects measured faster than writing the text by
 * hand for a thousand-element batch body.
 */
export function sendSmsBody(appId: string, defaultSenderId: string | undefined, req: SendRequest): Buffer {
  return Buffer.from(JSON.stringify({ appId, ...element(req, defaultSenderId) }));
}

export function sendSmsBatchBody(appId: string, defaultSenderId: string | undefined, req: BatchSendRequest): Buffer {
  return Buffer.from(JSON.stringify({ appId, array: req.elements.map((e) => element(e, defaultSenderId)) }));
}

function element(req: SendRequest, defaultSenderId: string | undefined) {
  return { numbers: req.numbers.join(','), content: req.content, senderId: req.senderId ?? defaultSenderId ?? '', orderId: req.orderIds.join(',') };
}
