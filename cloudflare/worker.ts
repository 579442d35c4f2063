// brook on Cloudflare Workers: the Worker and its four Durable Object classes, from the package.
export { BrookCoordinator, BrookGateway, BrookPartition, BrookStreams, default } from 'brook/cloudflare'
