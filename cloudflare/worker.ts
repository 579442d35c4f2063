// brook on Cloudflare Workers: the Worker and its three Durable Object classes, from the package.
export { BrookCoordinator, BrookGateway, BrookPartition, default } from 'brook/cloudflare'
